'use client';
import Link from 'next/link';
import { useState } from 'react';
import { AddHostForm } from '../../components/add-host';
import { Badge, Button, Card, ErrorLine, PageTitle, Table, statusTone } from '../../components/ui';
import { ago, formatBytes, useLive } from '../../lib/hooks';
import { trpc } from '../../lib/trpc';

/** A cell's text cut to its column, whole in the tooltip. */
function Cut({ text, className = '' }: { text: string; className?: string }) {
  return <div className={`truncate ${className}`} title={text}>{text}</div>;
}

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
        title={`${hosts?.length ?? 0} host${hosts?.length === 1 ? '' : 's'}`}
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
          <div className="mb-4 break-all rounded-lg bg-slate-900 p-3 font-mono text-xs text-emerald-300">
            drydock agent --hub {typeof window !== 'undefined' ? window.location.origin : ''} --enroll-token {enroll}
          </div>
        )}
        {/* Fixed widths for the short columns; name and system share the rest and truncate, so a 1280 px window fits. */}
        <Table head={['Name', 'Status', 'System', 'CPU / RAM', 'Disk free']} cols={['', 'w-28', '', 'w-24', 'w-32']} empty={hosts?.length === 0}>
          {hosts?.map((h) => {
            const f = h.facts;
            const system = f ? [f.distro || f.os, f.arch].filter(Boolean).join(' · ') : '—';
            const kernel = f ? [f.kernel, f.runtime ? `${f.runtime.name} ${f.runtime.version}` : ''].filter(Boolean).join(' · ') : '';
            return (
              <tr key={h.id} data-testid="host-row">
                <td className="px-3 py-2 font-medium">
                  <Link href={`/hosts/${h.id}`} className="block truncate text-indigo-600 hover:underline" title={h.name}>{h.name}</Link>
                </td>
                <td className="px-3 py-2">
                  <Badge tone={statusTone(h.status)}>{h.status}</Badge>
                  {h.status !== 'online' && <Cut text={`seen ${ago(h.lastSeenAt)}`} className="mt-0.5 text-xs text-slate-400" />}
                </td>
                <td className="px-3 py-2 text-slate-600">
                  <Cut text={system} />
                  {kernel && <Cut text={kernel} className="text-xs text-slate-400" />}
                </td>
                <td className="px-3 py-2">
                  {f ? (
                    <>
                      <Cut text={`${f.cpus} CPU${f.cpus === 1 ? '' : 's'}`} />
                      <Cut text={formatBytes(f.memoryBytes)} className="text-xs text-slate-400" />
                    </>
                  ) : '—'}
                </td>
                <td className="px-3 py-2">
                  {f ? (
                    <div title={`${formatBytes(f.disk.freeBytes)} free of ${formatBytes(f.disk.totalBytes)} (${f.disk.path})`}>
                      <div className="truncate text-xs">{formatBytes(f.disk.freeBytes)} of {formatBytes(f.disk.totalBytes)}</div>
                      <div className="mt-1 h-1.5 rounded bg-slate-100">
                        <div className="h-full rounded bg-indigo-400" style={{ width: `${100 - (100 * f.disk.freeBytes) / Math.max(1, f.disk.totalBytes)}%` }} />
                      </div>
                    </div>
                  ) : '—'}
                </td>
              </tr>
            );
          })}
        </Table>
      </Card>
    </>
  );
}
