'use client';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useMemo, useState } from 'react';
import { DataTable, type Column } from '../../../components/data-table';
import { detailHref, ImageDialogs, saveImage, type ImageDialog, type ImageOnHost } from '../../../components/image-dialogs';
import { NoticeLine, type Notice } from '../../../components/notice-line';
import { Badge, Button, Card, ErrorLine, PageTitle } from '../../../components/ui';
import { ago, formatBytes, shortId, useLive } from '../../../lib/hooks';
import { trpc } from '../../../lib/trpc';

type Image = Awaited<ReturnType<typeof trpc.inventory.images.query>>[number];
/** One row per tag, as `docker images` lists them (`<none>` for an untagged image). */
type Row = ImageOnHost & { image: Image; repository: string; tag: string };

function rowsOf(images: Image[]): Row[] {
  return images.flatMap((img) =>
    (img.repoTags.length ? img.repoTags : [null]).map((ref) => {
      const colon = ref ? ref.lastIndexOf(':') : -1;
      return {
        hostId: img.hostId,
        host: img.host,
        id: img.id,
        ref,
        repoTags: img.repoTags,
        image: img,
        repository: ref ? ref.slice(0, colon) : '<none>',
        tag: ref ? ref.slice(colon + 1) : '<none>',
      };
    }),
  );
}

/** The table's columns; `used` holds `hostId/imageId` of images some container on that host was made from. */
const columnsFor = (used: Set<string>): Column<Row>[] => [
  { key: 'host', header: 'Host', cell: (r) => <Link href={`/hosts/${r.hostId}`} className="text-slate-600 hover:underline">{r.host}</Link>, sortValue: (r) => r.host },
  { key: 'repository', header: 'Repository', cell: (r) => <span className="font-medium">{r.repository}</span>, sortValue: (r) => r.repository, className: 'max-w-xs truncate' },
  { key: 'tag', header: 'Tag', cell: (r) => r.tag, sortValue: (r) => r.tag, className: 'max-w-[10rem] truncate' },
  {
    key: 'id',
    header: 'Image ID',
    cell: (r) => <Link href={detailHref(r.hostId, r.id)} className="font-mono text-xs text-indigo-600 hover:underline">{shortId(r.id)}</Link>,
    sortValue: (r) => r.id,
  },
  {
    key: 'used',
    header: 'Status',
    cell: (r) => (used.has(`${r.hostId}/${r.id}`) ? <Badge tone="green">In use</Badge> : <Badge>Unused</Badge>),
    sortValue: (r) => (used.has(`${r.hostId}/${r.id}`) ? 0 : 1),
  },
  { key: 'created', header: 'Created', cell: (r) => <span className="text-slate-500">{ago(r.image.created)}</span>, sortValue: (r) => new Date(r.image.created).getTime() },
  { key: 'size', header: 'Size', cell: (r) => formatBytes(r.image.size), sortValue: (r) => r.image.size, className: 'text-right tabular-nums' },
];

function ImagesPage() {
  const params = useSearchParams();
  const router = useRouter();
  const hostId = params.get('host') ?? '';
  const [search, setSearch] = useState('');
  const { data: hosts } = useLive(() => trpc.hosts.list.query(), [], ['hosts']);
  const { data: images, error } = useLive(() => trpc.inventory.images.query({ search, hostId: hostId || undefined }), [search, hostId], ['inventory']);
  const [dialog, setDialog] = useState<ImageDialog | null>(null);
  const [notice, setNotice] = useState<Notice>();
  const { data: containers } = useLive(() => trpc.containers.list.query({ hostId: hostId || undefined }), [hostId], ['inventory']);
  const columns = useMemo(() => columnsFor(new Set(containers?.map((c) => `${c.hostId}/${c.imageId}`))), [containers]);
  const rows = images ? rowsOf(images) : undefined;
  const host = hosts?.find((h) => h.id === hostId);

  return (
    <>
      <PageTitle sub={host ? <>Images on {host.name}. <Link href="/images" className="text-indigo-600 hover:underline">All hosts</Link></> : 'One inventory across all hosts.'}>Images</PageTitle>
      <ErrorLine error={error} />
      <NoticeLine notice={notice} onClose={() => setNotice(undefined)} />
      <Card title={rows ? `${rows.length} image${rows.length === 1 ? '' : 's'}` : 'Images'}>
        <DataTable
          rows={rows}
          columns={columns}
          rowKey={(r) => `${r.hostId}/${r.id}/${r.ref ?? ''}`}
          rowTestId="image-row"
          search={search}
          onSearch={setSearch}
          searchPlaceholder="Search by reference or ID"
          initialSort={{ key: 'created', desc: true }}
          empty={hostId ? 'No images on this host yet: pull or import one.' : 'No images yet: pull one, import a tarball, or build.'}
          toolbar={
            <>
              <select
                value={hostId}
                onChange={(e) => router.replace(e.target.value ? `/images?host=${e.target.value}` : '/images')}
                className="rounded-lg border-0 py-1.5 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300"
                aria-label="Host"
              >
                <option value="">All hosts</option>
                {hosts?.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
              </select>
              <Button variant="secondary" onClick={() => setDialog({ kind: 'import', hostId: hostId || undefined })}>Import…</Button>
              <Button onClick={() => setDialog({ kind: 'pull', hostId: hostId || undefined })}>Pull…</Button>
            </>
          }
          actions={(r) => [
            { label: 'History & inspect', onSelect: () => router.push(detailHref(r.hostId, r.id)) },
            { label: 'Tag…', onSelect: () => setDialog({ kind: 'tag', image: r }) },
            { label: 'Push…', onSelect: () => setDialog({ kind: 'push', image: r }), disabled: r.ref === null },
            { label: 'Save as tar', onSelect: () => void saveImage(r, setNotice) },
            { label: 'Remove…', onSelect: () => setDialog({ kind: 'rm', image: r }), danger: true },
          ]}
        />
      </Card>
      <ImageDialogs open={dialog} onClose={() => setDialog(null)} notify={setNotice} hosts={hosts ?? []} />
    </>
  );
}

export default function Page() {
  return (
    <Suspense>
      <ImagesPage />
    </Suspense>
  );
}
