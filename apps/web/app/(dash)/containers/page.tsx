'use client';
import { useState } from 'react';
import { Badge, Button, Card, ErrorLine, PageTitle, Table, statusTone } from '../../../components/ui';
import { ago, shortId, useLive } from '../../../lib/hooks';
import { trpc } from '../../../lib/trpc';

export default function ContainersPage() {
  const { data, error } = useLive(() => trpc.inventory.containers.query({}), [], ['inventory']);
  const [message, setMessage] = useState<string>();
  const act = (hostId: string, action: Parameters<typeof trpc.inventory.containerAction.mutate>[0]['action']) =>
    trpc.inventory.containerAction.mutate({ hostId, action }).then(() => setMessage(`${action.kind} started`), (e: Error) => setMessage(e.message));
  return (
    <>
      <PageTitle sub="Containers on every host, as `drydock ps -a` shows them.">Containers</PageTitle>
      <ErrorLine error={error} />
      {message && <p className="mb-4 rounded-lg bg-slate-100 px-4 py-2 text-sm">{message}</p>}
      <Card title={`${data?.length ?? 0} containers`}>
        <Table head={['Host', 'Name', 'Container ID', 'Image', 'Command', 'Created', 'Status', 'Ports', '']} empty={data?.length === 0}>
          {data?.map((c) => (
            <tr key={`${c.hostId}/${c.id}`}>
              <td className="px-3 py-2 text-slate-500">{c.host}</td>
              <td className="px-3 py-2 font-medium">{c.name}</td>
              <td className="px-3 py-2 font-mono text-xs">{shortId(c.id)}</td>
              <td className="px-3 py-2">{c.image}</td>
              <td className="max-w-56 truncate px-3 py-2 font-mono text-xs text-slate-500">{c.command}</td>
              <td className="px-3 py-2 text-slate-500">{ago(c.created)}</td>
              <td className="px-3 py-2"><Badge tone={statusTone(c.status)}>{c.status}{c.status === 'exited' ? ` (${c.exitCode})` : ''}</Badge></td>
              <td className="px-3 py-2 text-xs">{c.ports.join(', ')}</td>
              <td className="px-3 py-2">
                <div className="flex justify-end gap-2">
                  {c.status === 'running' && <Button variant="secondary" onClick={() => void act(c.hostId, { kind: 'container.stop', container: c.id })}>Stop</Button>}
                  <Button variant="secondary" onClick={() => { const ref = prompt('Commit as (name:tag)'); if (ref) void act(c.hostId, { kind: 'container.commit', container: c.id, ref }); }}>Commit</Button>
                  <Button variant="danger" onClick={() => confirm(`Remove ${c.name}?`) && void act(c.hostId, { kind: 'container.rm', container: c.id, force: true })}>Remove</Button>
                </div>
              </td>
            </tr>
          ))}
        </Table>
      </Card>
    </>
  );
}
