'use client';
import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import { useState } from 'react';
import { DataTable, type Column } from '../../../../../components/data-table';
import { ImageDialogs, saveImage, type ImageDialog, type ImageOnHost } from '../../../../../components/image-dialogs';
import { JsonTree } from '../../../../../components/json-tree';
import { NoticeLine, type Notice } from '../../../../../components/notice-line';
import { Button, Card, ErrorLine, PageTitle } from '../../../../../components/ui';
import { ago, formatBytes, shortId, useLive } from '../../../../../lib/hooks';
import { trpc } from '../../../../../lib/trpc';

/** A history entry with its position (entries can repeat exactly). */
type HistoryRow = Awaited<ReturnType<typeof trpc.images.history.query>>[number] & { n: number };

/** `docker history`'s columns: IMAGE CREATED CREATED BY SIZE COMMENT. */
const historyColumns: Column<HistoryRow>[] = [
  { key: 'image', header: 'Image', cell: (h) => <span className="font-mono text-xs">{h.id === '<missing>' ? '<missing>' : shortId(h.id)}</span> },
  { key: 'created', header: 'Created', cell: (h) => <span className="text-slate-500" title={h.created}>{h.created ? ago(h.created) : ''}</span> },
  { key: 'createdBy', header: 'Created by', cell: (h) => <span className="font-mono text-xs" title={h.createdBy}>{h.createdBy}</span>, className: 'max-w-xl truncate' },
  { key: 'size', header: 'Size', cell: (h) => formatBytes(h.size), className: 'text-right tabular-nums' },
  { key: 'comment', header: 'Comment', cell: (h) => <span className="text-slate-500" title={h.comment}>{h.comment}</span>, className: 'max-w-xs truncate' },
];

/** One image on one host: its tags and digests, `docker history` and `docker image inspect`, and its actions. */
export default function ImagePage() {
  const { hostId, id: hex } = useParams<{ hostId: string; id: string }>();
  const router = useRouter();
  const id = `sha256:${hex}`;
  const [tab, setTab] = useState<'history' | 'inspect'>('history');
  const [dialog, setDialog] = useState<ImageDialog | null>(null);
  const [notice, setNotice] = useState<Notice>();
  const { data: hosts } = useLive(() => trpc.hosts.list.query(), [], ['hosts']);
  const summary = useLive(async () => (await trpc.inventory.images.query({ hostId, search: hex, all: true })).find((i) => i.id === id) ?? null, [hostId, hex], ['inventory']);
  // Only the tags of an image can change: reload history and inspect when they do, not on every inventory change.
  const tags = summary.data?.repoTags.join(' ');
  const history = useLive(async () => (await trpc.images.history.query({ hostId, ref: id })).map((h, n) => ({ ...h, n })), [hostId, hex, tags]);
  const inspect = useLive(() => trpc.images.inspect.query({ hostId, ref: id }), [hostId, hex, tags]);
  const img = summary.data;
  const image: ImageOnHost | undefined = img ? { hostId, host: img.host, id, ref: img.repoTags[0] ?? null, repoTags: img.repoTags } : undefined;

  if (summary.data === null) {
    return (
      <>
        <PageTitle sub={<Link href={`/images?host=${hostId}`} className="text-indigo-600 hover:underline">← Images</Link>}>{shortId(id)}</PageTitle>
        <ErrorLine error={`Image ${shortId(id)} is not on this host (any more).`} />
      </>
    );
  }
  return (
    <>
      <PageTitle sub={<Link href={`/images?host=${hostId}`} className="text-indigo-600 hover:underline">← Images{img ? ` on ${img.host}` : ''}</Link>}>
        <span data-testid="image-title">{img?.repoTags[0] ?? shortId(id)}</span>
      </PageTitle>
      <ErrorLine error={summary.error} />
      <NoticeLine notice={notice} onClose={() => setNotice(undefined)} />
      <div className="mb-6">
        <Card
          title="Image"
          actions={
            image && (
              <>
                <Button variant="secondary" onClick={() => setDialog({ kind: 'tag', image })}>Tag…</Button>
                <Button variant="secondary" disabled={!image.ref} onClick={() => setDialog({ kind: 'push', image })}>Push…</Button>
                <Button variant="secondary" onClick={() => void saveImage(image, setNotice)}>Save as tar</Button>
                <Button variant="danger" onClick={() => setDialog({ kind: 'rm', image: { ...image, ref: null } })}>Remove…</Button>
              </>
            )
          }
        >
          <dl className="grid grid-cols-[10rem_1fr] gap-y-2 text-sm">
            <dt className="text-slate-500">ID</dt><dd className="break-all font-mono text-xs">{id}</dd>
            <dt className="text-slate-500">Host</dt><dd>{img ? <Link href={`/hosts/${hostId}`} className="text-indigo-600 hover:underline">{img.host}</Link> : '…'}</dd>
            <dt className="text-slate-500">Tags</dt><dd data-testid="image-tags">{img ? img.repoTags.join(', ') || '<none>' : '…'}</dd>
            <dt className="text-slate-500">Digests</dt><dd className="break-all font-mono text-xs">{img?.repoDigests.join(', ') || '—'}</dd>
            <dt className="text-slate-500">Created, size</dt><dd>{img ? `${ago(img.created)}, ${formatBytes(img.size)}` : '…'}</dd>
          </dl>
        </Card>
      </div>
      <Card
        title={
          <span className="flex gap-1" role="tablist">
            {(['history', 'inspect'] as const).map((t) => (
              <button key={t} role="tab" aria-selected={tab === t} type="button" onClick={() => setTab(t)}
                className={`rounded-md px-3 py-1 text-sm ${tab === t ? 'bg-slate-100 font-semibold text-slate-900' : 'font-medium text-slate-500 hover:text-slate-800'}`}>
                {t === 'history' ? 'History' : 'Inspect'}
              </button>
            ))}
          </span>
        }
      >
        {tab === 'history' ? (
          <>
            <ErrorLine error={history.error} />
            <div data-testid="history">
              <DataTable rows={history.data} columns={historyColumns} rowKey={(h) => String(h.n)} rowTestId="history-row" empty="No history recorded." />
            </div>
          </>
        ) : (
          <>
            <ErrorLine error={inspect.error} />
            {inspect.data ? <JsonTree value={[inspect.data]} /> : !inspect.error && <p className="text-sm text-slate-400">Loading…</p>}
          </>
        )}
      </Card>
      <ImageDialogs
        open={dialog}
        onClose={() => setDialog(null)}
        notify={(n) => {
          setNotice(n);
          if (n.ok && n.text.startsWith('Removed')) router.push(`/images?host=${hostId}`);
        }}
        hosts={hosts ?? []}
      />
    </>
  );
}
