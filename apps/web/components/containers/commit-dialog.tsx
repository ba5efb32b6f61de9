'use client';
import { useState } from 'react';
import { trpc } from '../../lib/trpc';
import { Dialog, Field, textareaClass } from '../dialog';
import { Input } from '../ui';
import { lines } from './modal';

/** `docker commit` from the dashboard: repo:tag, author, message, --change lines, --pause. */
export function CommitDialog({ hostId, container, onClose, onStarted }: { hostId: string; container: { id: string; name: string }; onClose: () => void; onStarted: (text: string) => void }) {
  const [ref, setRef] = useState('');
  const [author, setAuthor] = useState('');
  const [message, setMessage] = useState('');
  const [changes, setChanges] = useState('');
  const [pause, setPause] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = () => {
    setBusy(true);
    setError(undefined);
    trpc.containers.commit
      .mutate({
        hostId,
        container: container.id,
        ...(ref.trim() ? { ref: ref.trim() } : {}),
        ...(author.trim() ? { author: author.trim() } : {}),
        ...(message.trim() ? { message: message.trim() } : {}),
        changes: lines(changes),
        pause,
      })
      .then(
        () => onStarted(`Committing ${container.name}${ref.trim() ? ` as ${ref.trim()}` : ''} — see Tasks`),
        (e: Error) => (setError(e.message), setBusy(false)),
      );
  };
  return (
    <Dialog title={`Commit ${container.name}`} submit="Commit" busy={busy} busyLabel="Committing…" error={error} onSubmit={submit} onClose={onClose}>
      <Field label="Repository:tag" hint="Leave empty for an untagged image.">
        <Input aria-label="Repository:tag" value={ref} onChange={(e) => setRef(e.target.value)} placeholder="myapp:snapshot" />
      </Field>
      <Field label="Author">
        <Input aria-label="Author" value={author} onChange={(e) => setAuthor(e.target.value)} placeholder="Jane Doe <jane@example.com>" />
      </Field>
      <Field label="Message">
        <Input aria-label="Commit message" value={message} onChange={(e) => setMessage(e.target.value)} />
      </Field>
      <Field label="Changes" hint="Dockerfile instructions, one per line (--change), e.g. ENV FOO=bar or CMD [&quot;sh&quot;].">
        <textarea aria-label="Changes" rows={3} className={textareaClass} value={changes} onChange={(e) => setChanges(e.target.value)} />
      </Field>
      <label className="flex items-center gap-2 text-sm"><input type="checkbox" checked={pause} onChange={(e) => setPause(e.target.checked)} /> Pause the container while committing</label>
    </Dialog>
  );
}
