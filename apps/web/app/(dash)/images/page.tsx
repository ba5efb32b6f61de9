'use client';
import { useState } from 'react';
import { Button, Card, ErrorLine, Input, PageTitle, Table } from '../../../components/ui';
import { ago, formatBytes, shortId, useLive } from '../../../lib/hooks';
import { trpc } from '../../../lib/trpc';

type Action = Parameters<typeof trpc.inventory.imageAction.mutate>[0]['action'];

export default function ImagesPage() {
  const [search, setSearch] = useState('');
  const [hostId, setHostId] = useState('');
  const { data: hosts } = useLive(() => trpc.hosts.list.query(), [], ['hosts']);
  const { data: images, error } = useLive(() => trpc.inventory.images.query({ search, hostId: hostId || undefined }), [search, hostId], ['inventory']);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [tagging, setTagging] = useState<string>();
  const [pull, setPull] = useState('');

  const run = (host: string, action: Action) =>
    trpc.inventory.imageAction.mutate({ hostId: host, action }).then(
      () => setMessage({ ok: true, text: `${action.kind} started — see Tasks` }),
      (e: Error) => setMessage({ ok: false, text: e.message }),
    );

  const rows = images?.flatMap((img) => (img.repoTags.length ? img.repoTags : ['<none>:<none>']).map((tag) => ({ img, tag })));

  return (
    <>
      <PageTitle sub="One inventory across all hosts.">Images</PageTitle>
      <ErrorLine error={error} />
      {message && <p role={message.ok ? 'status' : 'alert'} className={`mb-4 rounded-lg px-4 py-2 text-sm ${message.ok ? 'bg-emerald-50 text-emerald-700' : 'bg-red-50 text-red-700'}`}>{message.text}</p>}
      <Card
        title={`${rows?.length ?? 0} images`}
        actions={
          <form
            className="flex items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              const target = hostId || hosts?.[0]?.id;
              if (target && pull) void run(target, { kind: 'image.pull', ref: pull });
            }}
          >
            <Input placeholder="Search tags or ids" value={search} onChange={(e) => setSearch(e.target.value)} className="w-56" aria-label="Search images" />
            <select value={hostId} onChange={(e) => setHostId(e.target.value)} className="rounded-lg border-0 py-1.5 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300" aria-label="Host">
              <option value="">All hosts</option>
              {hosts?.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
            </select>
            <Input placeholder="registry/name:tag" value={pull} onChange={(e) => setPull(e.target.value)} className="w-48" aria-label="Image to pull" />
            <Button type="submit" variant="secondary">Pull</Button>
          </form>
        }
      >
        <Table head={['Host', 'Repository', 'Tag', 'Image ID', 'Created', 'Size', '']} empty={rows?.length === 0}>
          {rows?.map(({ img, tag }) => {
            const colon = tag.lastIndexOf(':');
            const key = `${img.hostId}/${img.id}/${tag}`;
            return (
              <tr key={key} data-testid="image-row">
                <td className="px-3 py-2 text-slate-500">{img.host}</td>
                <td className="px-3 py-2 font-medium">{tag.slice(0, colon)}</td>
                <td className="px-3 py-2">{tag.slice(colon + 1)}</td>
                <td className="px-3 py-2 font-mono text-xs text-slate-500">{shortId(img.id)}</td>
                <td className="px-3 py-2 text-slate-500">{ago(img.created)}</td>
                <td className="px-3 py-2">{formatBytes(img.size)}</td>
                <td className="px-3 py-2">
                  {tagging === key ? (
                    <form
                      className="flex gap-2"
                      onSubmit={(e) => {
                        e.preventDefault();
                        const target = String(new FormData(e.currentTarget).get('target'));
                        setTagging(undefined);
                        void run(img.hostId, { kind: 'image.tag', source: tag.startsWith('<none>') ? img.id : tag, target });
                      }}
                    >
                      <Input name="target" placeholder="new:tag" autoFocus className="w-40" aria-label="New tag" />
                      <Button type="submit">Tag</Button>
                    </form>
                  ) : (
                    <div className="flex justify-end gap-2">
                      <Button variant="secondary" onClick={() => setTagging(key)}>Tag</Button>
                      <Button variant="secondary" disabled={tag.startsWith('<none>')} onClick={() => void run(img.hostId, { kind: 'image.push', ref: tag })}>Push</Button>
                      <Button variant="danger" onClick={() => confirm(`Remove ${tag} on ${img.host}?`) && void run(img.hostId, { kind: 'image.rm', ref: tag.startsWith('<none>') ? img.id : tag, force: false })}>Remove</Button>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </Table>
      </Card>
    </>
  );
}
