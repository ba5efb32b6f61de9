'use client';
import { useState } from 'react';
import { download, jobError, uploadFile } from '../lib/jobs';
import { trpc } from '../lib/trpc';
import { shortId, useLive } from '../lib/hooks';
import { Dialog, Field, selectClass } from './dialog';
import type { Notice } from './notice-line';
import { Input } from './ui';

/** One image on one host, as the images pages show it: `ref` is the row's tag, or null for `<none>`. */
export interface ImageOnHost {
  hostId: string;
  host: string;
  id: string;
  ref: string | null;
  repoTags: string[];
}

/** The image's page (history, inspect): `/images/<host>/<hex id>`. */
export const detailHref = (hostId: string, id: string) => `/images/${hostId}/${id.replace(/^sha256:/, '')}`;

export type ImageDialog =
  | { kind: 'tag' | 'push' | 'rm'; image: ImageOnHost }
  | { kind: 'pull'; hostId?: string | undefined }
  | { kind: 'import'; hostId?: string | undefined };


type Action = Parameters<typeof trpc.images.action.mutate>[0]['action'];

/** Runs an image action on a host and waits for its job: resolves with the job's error, or null when it succeeded. */
async function act(hostId: string, action: Action): Promise<string | null> {
  const { jobId } = await trpc.images.action.mutate({ hostId, action });
  return jobError(jobId);
}

/** `docker save` of an image on its host, then the browser downloads the tar. */
export async function saveImage(image: ImageOnHost, notify: (n: Notice) => void): Promise<void> {
  const ref = image.ref ?? image.id;
  notify({ ok: null, text: `Saving ${ref} on ${image.host}…` });
  try {
    const { jobId } = await trpc.images.save.mutate({ hostId: image.hostId, refs: [ref] });
    const failed = await jobError(jobId);
    if (failed) return notify({ ok: false, text: `Save failed: ${failed}` });
    download(`/api/v1/jobs/${jobId}/download`);
    notify({ ok: true, text: `Saved ${ref}: the download has started.` });
  } catch (e) {
    notify({ ok: false, text: (e as Error).message });
  }
}

/** The registry host a reference names, as Docker reads it (`ubuntu` → docker.io). */
function registryOf(ref: string): string | null {
  const first = ref.split('/')[0]!;
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : null;
}

/** `ref` moved to registry host `host` (`busybox:1` → `host/busybox:1`, `a.io/x:1` → `host/x:1`). */
function onRegistry(ref: string, host: string): string {
  return `${host}/${registryOf(ref) ? ref.slice(ref.indexOf('/') + 1) : ref}`;
}


/** The open dialog of the images pages (tag, push, pull, remove, import), or nothing. */
export function ImageDialogs({ open, onClose, notify, hosts }: { open: ImageDialog | null; onClose: () => void; notify: (n: Notice) => void; hosts: { id: string; name: string }[] }) {
  if (!open) return null;
  switch (open.kind) {
    case 'tag':
      return <TagDialog image={open.image} onClose={onClose} notify={notify} />;
    case 'push':
      return <PushDialog image={open.image} onClose={onClose} notify={notify} />;
    case 'rm':
      return <RemoveDialog image={open.image} onClose={onClose} notify={notify} />;
    case 'pull':
      return <PullDialog hosts={hosts} hostId={open.hostId} onClose={onClose} notify={notify} />;
    case 'import':
      return <ImportDialog hosts={hosts} hostId={open.hostId} onClose={onClose} notify={notify} />;
  }
}

interface DialogProps {
  onClose: () => void;
  notify: (n: Notice) => void;
}

/** Shared state of a dialog whose submit runs a job: busy flag, error line, and "close and report" on success. */
function useJobDialog({ onClose, notify }: DialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function run(work: () => Promise<string | null>, success: string) {
    setBusy(true);
    setError(undefined);
    try {
      const failed = await work();
      if (failed) setError(failed);
      else {
        notify({ ok: true, text: success });
        onClose();
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run };
}

function TagDialog({ image, ...props }: DialogProps & { image: ImageOnHost }) {
  const { busy, error, run } = useJobDialog(props);
  const source = image.ref ?? image.id;
  return (
    <Dialog
      title={`Tag ${image.ref ?? shortId(image.id)}`}
      submit="Tag"
      busy={busy}
      error={error}
      onClose={props.onClose}
      onSubmit={(f) => {
        const target = String(f.get('target') ?? '').trim();
        if (!target) return;
        void run(() => act(image.hostId, { kind: 'image.tag', source, target }), `Tagged ${image.ref ?? shortId(image.id)} as ${target} on ${image.host}.`);
      }}
    >
      <p className="text-slate-500">On {image.host}, like <code>docker tag {image.ref ?? shortId(image.id)} TARGET</code>.</p>
      <Field label="New reference" hint="name[:tag], e.g. registry.example.com:5000/team/app:1.2">
        <Input name="target" autoFocus required placeholder="name:tag" aria-label="New reference" />
      </Field>
    </Dialog>
  );
}

function PushDialog({ image, ...props }: DialogProps & { image: ImageOnHost }) {
  const { busy, error, run } = useJobDialog(props);
  const registries = useLive(() => trpc.registries.list.query(), []);
  const source = image.ref ?? '';
  const [registryId, setRegistryId] = useState('');
  const [target, setTarget] = useState(source);
  const registryHost = (id: string) => {
    const r = registries.data?.find((x) => x.id === id);
    return r ? new URL(r.url).host : null;
  };
  return (
    <Dialog
      title={`Push ${source || shortId(image.id)}`}
      submit="Push"
      busy={busy}
      error={error}
      onClose={props.onClose}
      onSubmit={() => {
        const ref = target.trim();
        if (!ref) return;
        void run(async () => {
          // A new name on the chosen registry is tagged first, as `docker tag` + `docker push` would.
          if (ref !== source) {
            const tagFailed = await act(image.hostId, { kind: 'image.tag', source: source || image.id, target: ref });
            if (tagFailed) return tagFailed;
          }
          return act(image.hostId, { kind: 'image.push', ref, ...(registryId ? { registryId } : {}) });
        }, `Pushed ${ref} from ${image.host}.`);
      }}
    >
      <Field label="Registry" hint="Stored credentials are used for the registry the reference names.">
        <select
          className={selectClass}
          aria-label="Registry"
          value={registryId}
          onChange={(e) => {
            setRegistryId(e.target.value);
            const host = registryHost(e.target.value);
            setTarget(host ? onRegistry(source || target, host) : source);
          }}
        >
          <option value="">As the reference names it</option>
          {registries.data?.map((r) => <option key={r.id} value={r.id}>{r.name} ({new URL(r.url).host})</option>)}
        </select>
      </Field>
      <Field label="Reference to push">
        <Input value={target} onChange={(e) => setTarget(e.target.value)} required aria-label="Reference to push" />
      </Field>
    </Dialog>
  );
}

function RemoveDialog({ image, ...props }: DialogProps & { image: ImageOnHost }) {
  const { busy, error, run } = useJobDialog(props);
  const ref = image.ref ?? image.id;
  const shown = image.ref ?? shortId(image.id);
  const remove = (force: boolean) => run(() => act(image.hostId, { kind: 'image.rm', ref, force }), `Removed ${shown} on ${image.host}.`);
  const conflict = error?.startsWith('conflict:');
  return (
    <Dialog
      title={`Remove ${shown}`}
      submit="Remove"
      danger
      busy={busy}
      error={error}
      onClose={props.onClose}
      onSubmit={(f) => void remove(f.get('force') === 'on')}
      extra={conflict ? <button type="button" className="rounded-lg bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-500" onClick={() => void remove(true)}>Force remove</button> : null}
    >
      <p>
        {image.ref ? <>Untags <code>{ref}</code> on {image.host}; the image is deleted when no other tag or container uses it.</> : <>Deletes image <code>{shortId(image.id)}</code> on {image.host}.</>}
      </p>
      {image.repoTags.length > 1 && !image.ref && <p className="text-amber-700">This image has {image.repoTags.length} tags: removing it by ID needs force.</p>}
      <label className="flex items-start gap-2">
        <input type="checkbox" name="force" />
        <span>Force (<code>docker rmi -f</code>): remove every tag, even if a stopped container uses it</span>
      </label>
    </Dialog>
  );
}

function HostSelect({ hosts, defaultValue }: { hosts: { id: string; name: string }[]; defaultValue?: string | undefined }) {
  return (
    <Field label="Host">
      <select name="hostId" className={selectClass} defaultValue={defaultValue ?? hosts[0]?.id} aria-label="Target host">
        {hosts.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
      </select>
    </Field>
  );
}

function PullDialog({ hosts, hostId, ...props }: DialogProps & { hosts: { id: string; name: string }[]; hostId?: string | undefined }) {
  const { busy, error, run } = useJobDialog(props);
  return (
    <Dialog
      title="Pull an image"
      submit="Pull"
      busy={busy}
      error={error}
      onClose={props.onClose}
      onSubmit={(f) => {
        const ref = String(f.get('ref') ?? '').trim();
        const host = String(f.get('hostId') ?? '');
        if (ref && host) void run(() => act(host, { kind: 'image.pull', ref }), `Pulled ${ref}.`);
      }}
    >
      <HostSelect hosts={hosts} defaultValue={hostId} />
      <Field label="Image" hint="Stored credentials are used for the registry the reference names; progress shows in Tasks.">
        <Input name="ref" autoFocus required placeholder="registry.example.com/team/app:1.2" aria-label="Image to pull" />
      </Field>
    </Dialog>
  );
}

function ImportDialog({ hosts, hostId, ...props }: DialogProps & { hosts: { id: string; name: string }[]; hostId?: string | undefined }) {
  const { busy, error, run } = useJobDialog(props);
  const [mode, setMode] = useState<'auto' | 'load' | 'import'>('auto');
  const [sent, setSent] = useState<number | null>(null);
  return (
    <Dialog
      title="Import or load a tarball"
      submit="Upload"
      busy={busy}
      busyLabel={sent === null ? undefined : sent < 1 ? `Uploading ${Math.floor(sent * 100)}%…` : 'Loading on the host…'}
      error={error}
      onClose={props.onClose}
      onSubmit={(f) => {
        const file = f.get('file');
        const host = String(f.get('hostId') ?? '');
        if (!(file instanceof File) || file.size === 0 || !host) return;
        const q = new URLSearchParams({ mode });
        const ref = String(f.get('ref') ?? '').trim();
        const message = String(f.get('message') ?? '').trim();
        if (ref) q.set('ref', ref);
        if (message) q.set('message', message);
        void run(async () => {
          setSent(0);
          try {
            const { status, body } = await uploadFile(`/api/v1/hosts/${host}/images/upload?${q}`, file, setSent);
            if (status !== 201 || typeof body.id !== 'string') return typeof body.message === 'string' ? body.message : `upload failed: HTTP ${status}`;
            setSent(1);
            return await jobError(body.id);
          } finally {
            setSent(null);
          }
        }, `Uploaded ${file.name}.`);
      }}
    >
      <HostSelect hosts={hosts} defaultValue={hostId} />
      <Field label="Tarball">
        <input type="file" name="file" required accept=".tar,.tgz,.tar.gz,application/x-tar,application/gzip" aria-label="Tarball" className="block w-full text-sm file:mr-3 file:rounded-lg file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm" />
      </Field>
      <fieldset className="flex gap-4">
        {([['auto', 'Detect'], ['load', 'docker save tar (load)'], ['import', 'Root filesystem (import)']] as const).map(([value, label]) => (
          <label key={value} className="flex items-center gap-1.5">
            <input type="radio" name="mode" value={value} checked={mode === value} onChange={() => setMode(value)} /> {label}
          </label>
        ))}
      </fieldset>
      {mode !== 'load' && (
        <>
          <Field label="Reference" hint="For a root filesystem: the new image's name:tag (a docker save tar keeps its own tags).">
            <Input name="ref" placeholder="name:tag" aria-label="Reference" />
          </Field>
          <Field label="Commit message">
            <Input name="message" placeholder="optional" aria-label="Commit message" />
          </Field>
        </>
      )}
    </Dialog>
  );
}
