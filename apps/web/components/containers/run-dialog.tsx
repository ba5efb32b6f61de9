'use client';
import { useState } from 'react';
import { shellWords } from '../../lib/shell-words';
import { useLive } from '../../lib/hooks';
import { trpc } from '../../lib/trpc';
import { Button, ErrorLine, Input } from '../ui';
import { Field, Modal, lines, selectClass, textareaClass } from './modal';

type Host = { id: string; name: string; status: string };

/**
 * `docker run` from the dashboard: image from the chosen host's images, name,
 * command, env, ports, network, detached / --rm. Resolves `onStarted` with the
 * job and whether to follow the container's logs (not detached).
 */
export function RunDialog({ hosts, hostId: initialHost, onClose, onStarted }: { hosts: Host[]; hostId?: string; onClose: () => void; onStarted: (r: { jobId: string; hostId: string; name: string; attach: boolean }) => void }) {
  const [hostId, setHostId] = useState(initialHost || hosts.find((h) => h.status === 'online')?.id || hosts[0]?.id || '');
  const { data: images } = useLive(() => (hostId ? trpc.inventory.images.query({ hostId }) : Promise.resolve([])), [hostId], ['inventory']);
  const tags = [...new Set(images?.flatMap((i) => i.repoTags) ?? [])].sort();
  const [image, setImage] = useState('');
  const [name, setName] = useState('');
  const [command, setCommand] = useState('');
  const [env, setEnv] = useState('');
  const [ports, setPorts] = useState('');
  const [network, setNetwork] = useState<'bridge' | 'host' | 'none'>('bridge');
  const [detached, setDetached] = useState(true);
  const [autoRemove, setAutoRemove] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit() {
    setError(undefined);
    const chosen = image || tags[0];
    if (!chosen) return setError('pick an image (this host has none: pull or build one first)');
    let cmd: string[] | undefined;
    try {
      cmd = command.trim() ? shellWords(command) : undefined;
    } catch (e) {
      return setError(`command: ${(e as Error).message}`);
    }
    setBusy(true);
    const containerName = name.trim();
    try {
      const { jobId } = await trpc.containers.run.mutate({
        hostId,
        image: chosen,
        ...(containerName ? { name: containerName } : {}),
        ...(cmd ? { cmd } : {}),
        env: lines(env),
        publish: ports.split(/[\s,]+/).filter(Boolean),
        network,
        autoRemove,
      });
      onStarted({ jobId, hostId, name: containerName, attach: !detached });
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }

  return (
    <Modal
      title="Run a container"
      onClose={onClose}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>Cancel</Button>
          <Button onClick={() => void submit()} disabled={busy || !hostId}>{busy ? 'Starting…' : 'Run'}</Button>
        </>
      }
    >
      <form className="grid grid-cols-2 gap-4" onSubmit={(e) => (e.preventDefault(), void submit())}>
        <ErrorLine error={error} />
        <div className="col-span-2 grid grid-cols-2 gap-4">
          <Field label="Host">
            <select aria-label="Run on host" className={selectClass} value={hostId} onChange={(e) => (setHostId(e.target.value), setImage(''))}>
              {hosts.map((h) => <option key={h.id} value={h.id}>{h.name}{h.status === 'online' ? '' : ' (offline)'}</option>)}
            </select>
          </Field>
          <Field label="Image">
            <select aria-label="Image" className={selectClass} value={image || tags[0] || ''} onChange={(e) => setImage(e.target.value)}>
              {tags.length === 0 && <option value="">No tagged images on this host</option>}
              {tags.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </Field>
        </div>
        <Field label="Name" hint="Optional; Docker picks one otherwise.">
          <Input aria-label="Container name" value={name} onChange={(e) => setName(e.target.value)} placeholder="web-1" />
        </Field>
        <Field label="Network">
          <select aria-label="Network" className={selectClass} value={network} onChange={(e) => setNetwork(e.target.value as typeof network)}>
            <option value="bridge">bridge</option>
            <option value="host">host</option>
            <option value="none">none</option>
          </select>
        </Field>
        <div className="col-span-2">
          <Field label="Command" hint="Overrides the image's CMD; quoted as in a shell.">
            <Input aria-label="Command" className="font-mono" value={command} onChange={(e) => setCommand(e.target.value)} placeholder={`sh -c 'echo hello; sleep 3600'`} />
          </Field>
        </div>
        <Field label="Environment" hint="KEY=VALUE, one per line (-e).">
          <textarea aria-label="Environment" rows={3} className={textareaClass} value={env} onChange={(e) => setEnv(e.target.value)} placeholder="GREETING=hello" />
        </Field>
        <Field label="Ports" hint="[ip:]host:container[/udp], comma separated (-p).">
          <Input aria-label="Ports" className="font-mono" value={ports} onChange={(e) => setPorts(e.target.value)} placeholder="8080:80" />
        </Field>
        <div className="col-span-2 flex gap-6 text-sm">
          <label className="flex items-center gap-2"><input type="checkbox" checked={detached} onChange={(e) => setDetached(e.target.checked)} /> Detached (-d)</label>
          <label className="flex items-center gap-2"><input type="checkbox" checked={autoRemove} onChange={(e) => setAutoRemove(e.target.checked)} /> Remove when it exits (--rm)</label>
        </div>
        <button type="submit" hidden />
      </form>
    </Modal>
  );
}
