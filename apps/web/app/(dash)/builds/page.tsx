'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, ErrorLine, Input, PageTitle, Table, statusTone } from '../../../components/ui';
import { ago, shortId, useLive } from '../../../lib/hooks';
import { trpc } from '../../../lib/trpc';

const EXAMPLE = `FROM busybox:latest
RUN echo "hello from drydock" > /hello.txt
CMD ["cat", "/hello.txt"]
`;

export default function BuildsPage() {
  const router = useRouter();
  const { data: hosts } = useLive(() => trpc.hosts.list.query(), [], ['hosts']);
  const { data: builds, error } = useLive(() => trpc.builds.list.query({ take: 50 }), [], ['builds']);
  const [dockerfile, setDockerfile] = useState(EXAMPLE);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string>();

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setErr(undefined);
    try {
      let uploadId: string | undefined;
      const file = form.get('context');
      if (file instanceof File && file.size > 0) {
        const res = await fetch('/api/uploads', { method: 'PUT', body: file });
        const body = (await res.json()) as { id?: string; message?: string };
        if (!res.ok || !body.id) throw new Error(body.message ?? 'upload failed');
        uploadId = body.id;
      }
      const buildArgs = Object.fromEntries(
        String(form.get('args') ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      const tags = String(form.get('tags') ?? '').split(/[\s,]+/).filter(Boolean);
      const git = String(form.get('git') ?? '').trim();
      const build = await trpc.builds.start.mutate({
        hostId: String(form.get('host')),
        dockerfile,
        tags,
        buildArgs,
        noCache: form.get('nocache') === 'on',
        ...(uploadId ? { uploadId } : {}),
        ...(git ? { git } : {}),
      });
      router.push(`/builds/${build.id}`);
    } catch (e2) {
      setErr((e2 as Error).message);
      setBusy(false);
    }
  }

  return (
    <>
      <PageTitle sub="Write a Dockerfile, add a context, build on any host; steps stream live.">Builds</PageTitle>
      <ErrorLine error={error ?? err} />
      <div className="grid gap-6 xl:grid-cols-5">
        <div className="xl:col-span-3">
          <Card title="New build">
            <form onSubmit={submit} className="space-y-4">
              <div className="grid gap-4 sm:grid-cols-2">
                <label className="text-sm font-medium text-slate-700">
                  Host
                  <select name="host" required className="mt-1 block w-full rounded-lg border-0 py-1.5 pl-3 text-sm ring-1 ring-inset ring-slate-300">
                    {hosts?.map((h) => <option key={h.id} value={h.id}>{h.name} ({h.status})</option>)}
                  </select>
                </label>
                <label className="text-sm font-medium text-slate-700">
                  Tags
                  <Input name="tags" placeholder="app:1 app:latest" className="mt-1" />
                </label>
                <label className="text-sm font-medium text-slate-700">
                  Build args
                  <Input name="args" placeholder="VERSION=2 DEBUG=0" className="mt-1" />
                </label>
                <label className="text-sm font-medium text-slate-700 sm:col-span-2">
                  Or a git repository (<span className="font-mono text-xs">URL#ref:dir</span>; its Dockerfile is used)
                  <Input name="git" placeholder="https://example.com/team/app.git#main:docker" className="mt-1" />
                </label>
                <label className="text-sm font-medium text-slate-700">
                  Context (tar, optional)
                  <input name="context" type="file" accept=".tar,.tgz,.tar.gz,application/x-tar" className="mt-1 block w-full text-sm file:mr-3 file:rounded-lg file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm" />
                </label>
              </div>
              <label className="block text-sm font-medium text-slate-700">
                Dockerfile
                <textarea
                  name="dockerfile"
                  value={dockerfile}
                  onChange={(e) => setDockerfile(e.target.value)}
                  spellCheck={false}
                  rows={12}
                  className="mt-1 block w-full rounded-lg border-0 bg-slate-900 p-3 font-mono text-sm text-slate-100 ring-1 ring-slate-700 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
                />
              </label>
              <div className="flex items-center justify-between">
                <label className="flex items-center gap-2 text-sm text-slate-600"><input type="checkbox" name="nocache" /> No cache</label>
                <Button type="submit" disabled={busy || !hosts?.length}>{busy ? 'Starting…' : 'Build'}</Button>
              </div>
            </form>
          </Card>
        </div>
        <div className="xl:col-span-2">
          <Card title="Past builds">
            <Table head={['Build', 'Host', 'Status', 'Image', 'When']} empty={builds?.length === 0}>
              {builds?.map((b) => (
                <tr key={b.id}>
                  <td className="px-3 py-2"><Link className="font-medium text-indigo-600 hover:underline" href={`/builds/${b.id}`}>{b.tags[0] ?? shortId(b.id)}</Link><div className="text-xs text-slate-400">{b.actor}</div></td>
                  <td className="px-3 py-2 text-slate-500">{b.host}</td>
                  <td className="px-3 py-2"><Badge tone={statusTone(b.status)}>{b.status}</Badge></td>
                  <td className="px-3 py-2 font-mono text-xs">{b.imageId ? shortId(b.imageId) : '—'}</td>
                  <td className="px-3 py-2 text-slate-500">{ago(b.createdAt)}</td>
                </tr>
              ))}
            </Table>
          </Card>
        </div>
      </div>
    </>
  );
}
