'use client';
import { useState } from 'react';
import { Badge, Button, Card, ErrorLine, Input, PageTitle, Table, statusTone } from '../../../components/ui';
import { shortId, useLive } from '../../../lib/hooks';
import { trpc } from '../../../lib/trpc';

type Verification = Awaited<ReturnType<typeof trpc.audit.verify.mutate>>;

export default function AuditPage() {
  const [filter, setFilter] = useState({ action: '', actor: '', host: '', target: '', since: '', until: '' });
  const clean = Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) as Partial<typeof filter>;
  const { data: rows, error } = useLive(() => trpc.audit.list.query({ ...clean, take: 500 }), [JSON.stringify(clean)], ['audit']);
  const { data: actions } = useLive(() => trpc.audit.actions.query(), [], ['audit']);
  const [verification, setVerification] = useState<Verification>();
  const set = (k: keyof typeof filter) => (e: { target: { value: string } }) => setFilter({ ...filter, [k]: e.target.value });
  const csv = `/api/v1/audit?format=csv&limit=5000&${new URLSearchParams(clean as Record<string, string>).toString()}`;

  return (
    <>
      <PageTitle sub="Append-only and hash-chained: who built, pushed and changed what, where and when.">Audit</PageTitle>
      <ErrorLine error={error} />
      {verification && (
        <p role="status" data-testid="verify-result" className={`mb-4 rounded-lg px-4 py-2 text-sm ${verification.ok ? 'bg-emerald-50 text-emerald-700' : 'bg-red-50 text-red-700'}`}>
          {verification.ok ? `Chain intact: ${verification.checked} rows verified.` : `Chain broken at row ${verification.firstBadId} (${verification.reason}); ${verification.checked} rows before it are intact.`}
        </p>
      )}
      <Card
        title={`${rows?.length ?? 0} rows`}
        actions={
          <>
            <a href={csv} className="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50">Export CSV</a>
            <Button onClick={() => void trpc.audit.verify.mutate().then(setVerification)}>Verify chain</Button>
          </>
        }
      >
        <div className="mb-4 grid gap-3 sm:grid-cols-3 lg:grid-cols-6">
          <select value={filter.action} onChange={set('action')} aria-label="Action" className="rounded-lg border-0 py-1.5 pl-3 text-sm ring-1 ring-inset ring-slate-300">
            <option value="">Any action</option>
            {actions?.map((a) => <option key={a}>{a}</option>)}
          </select>
          <Input placeholder="Who" value={filter.actor} onChange={set('actor')} aria-label="Who" />
          <Input placeholder="Host" value={filter.host} onChange={set('host')} aria-label="Host" />
          <Input placeholder="Target" value={filter.target} onChange={set('target')} aria-label="Target" />
          <Input type="datetime-local" value={filter.since} onChange={set('since')} aria-label="Since" />
          <Input type="datetime-local" value={filter.until} onChange={set('until')} aria-label="Until" />
        </div>
        <Table head={['#', 'Time', 'Who', 'Action', 'Host', 'Target', 'Digest', 'Outcome']} empty={rows?.length === 0}>
          {rows?.map((r) => (
            <tr key={r.id} data-testid="audit-row">
              <td className="px-3 py-2 text-xs text-slate-400">{r.id}</td>
              <td className="whitespace-nowrap px-3 py-2 text-xs text-slate-500">{new Date(r.time).toLocaleString()}</td>
              <td className="px-3 py-2">{r.actorName}<div className="text-xs text-slate-400">{r.actor.split(':')[0]}</div></td>
              <td className="px-3 py-2 font-mono text-xs">{r.action}</td>
              <td className="px-3 py-2">{r.host ?? '—'}</td>
              <td className="px-3 py-2">{r.target ?? '—'}</td>
              <td className="px-3 py-2 font-mono text-xs text-slate-500">{r.digest ? shortId(r.digest) : '—'}</td>
              <td className="px-3 py-2"><Badge tone={statusTone(r.outcome)}>{r.outcome}</Badge></td>
            </tr>
          ))}
        </Table>
      </Card>
    </>
  );
}
