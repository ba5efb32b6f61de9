'use client';
import Link from 'next/link';
import { useState } from 'react';
import { AddHostForm } from '../../components/add-host';
import { Badge, Button, Card, ErrorLine, PageTitle, Table, statusTone } from '../../components/ui';
import { ago, formatBytes, useLive } from '../../lib/hooks';
import { trpc } from '../../lib/trpc';

export default function HostsPage() {
  const { data: hosts, error, reload } = useLive(() => trpc.hosts.list.query(), [], ['hosts']);
  const [adding, setAdding] = useState(false);
  const [enroll, setEnroll] = useState<string>();
  const [err, setErr] = useState<string>();
  return (
    <>
      <PageTitle sub="Every host running a Drydock agent.">Hosts</PageTitle>
      <ErrorLine error={error ?? err} />
      <Card
        title={`${hosts?.length ?? 0} hosts`}
        actions={
          <>
            <Button onClick={() => setAdding((a) => !a)}>{adding ? 'Close' : 'Add host'}</Button>
            <Button variant="secondary" onClick={() => trpc.hosts.createEnrollToken.mutate({}).then((r) => setEnroll(r.token), (e: Error) => setErr(e.message))}>
              Enroll a host
            </Button>
          </>
        }
      >
        {adding && <AddHostForm onDone={reload} />}
        {enroll && (
          <div className="mb-4 rounded-lg bg-slate-900 p-3 font-mono text-xs text-emerald-300">
            drydock agent --hub {typeof window !== 'undefined' ? window.location.origin : ''} --enroll-token {enroll}
          </div>
        )}
        <Table head={['Name', 'Status', 'OS', 'Arch', 'CPUs', 'Memory', 'Disk free', 'Runtime', 'Last seen']} empty={hosts?.length === 0}>
          {hosts?.map((h) => (
            <tr key={h.id} data-testid="host-row">
              <td className="px-3 py-2 font-medium"><Link href={`/hosts/${h.id}`} className="text-indigo-600 hover:underline">{h.name}</Link></td>
              <td className="px-3 py-2"><Badge tone={statusTone(h.status)}>{h.status}</Badge></td>
              <td className="px-3 py-2 text-slate-600">{h.facts?.distro ?? h.facts?.os ?? '—'}<div className="text-xs text-slate-400">{h.facts?.kernel}</div></td>
              <td className="px-3 py-2">{h.facts?.arch ?? '—'}</td>
              <td className="px-3 py-2">{h.facts?.cpus ?? '—'}</td>
              <td className="px-3 py-2">{h.facts ? formatBytes(h.facts.memoryBytes) : '—'}</td>
              <td className="px-3 py-2">
                {h.facts ? (
                  <div className="w-32" title="free of total">
                    <div className="text-xs">{formatBytes(h.facts.disk.freeBytes)} of {formatBytes(h.facts.disk.totalBytes)}</div>
                    <div className="mt-1 h-1.5 rounded bg-slate-100">
                      <div className="h-full rounded bg-indigo-400" style={{ width: `${100 - (100 * h.facts.disk.freeBytes) / Math.max(1, h.facts.disk.totalBytes)}%` }} />
                    </div>
                  </div>
                ) : '—'}
              </td>
              <td className="px-3 py-2">{h.facts?.runtime ? `${h.facts.runtime.name} ${h.facts.runtime.version}` : '—'}</td>
              <td className="px-3 py-2 text-slate-500">{h.status === 'online' ? 'now' : ago(h.lastSeenAt)}</td>
            </tr>
          ))}
        </Table>
      </Card>
    </>
  );
}
