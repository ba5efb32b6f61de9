'use client';
import { useEffect, useState } from 'react';
import { CommitDialog } from '../../../components/containers/commit-dialog';
import { DiffDialog } from '../../../components/containers/diff-tree';
import { LogsPanel } from '../../../components/containers/logs-panel';
import { RunDialog } from '../../../components/containers/run-dialog';
import { MenuItem, RowMenu, menuItemClass } from '../../../components/containers/row-menu';
import { TerminalPanel } from '../../../components/containers/terminal-panel';
import { Badge, Button, Card, ErrorLine, PageTitle, Table } from '../../../components/ui';
import { dockerStatus, stateTone } from '../../../lib/container-status';
import { ago, shortId, useLive } from '../../../lib/hooks';
import { trpc } from '../../../lib/trpc';
import { NoticeLine, type Notice } from '../../../components/notice-line';
import { waitForJob } from '../../../lib/jobs';

type Row = NonNullable<Awaited<ReturnType<typeof trpc.containers.list.query>>>[number];
type Open = { what: 'logs' | 'terminal' | 'diff' | 'commit'; hostId: string; container: { id: string; name: string } };

/** Re-renders every `ms` so "Up 3 minutes" keeps counting. */
function useTick(ms: number) {
  const [, set] = useState(0);
  useEffect(() => {
    const t = setInterval(() => set((n) => n + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
}

/** Waits for the job that runs a container and returns the container's ID (to attach its logs). */
async function startedContainer(jobId: string): Promise<string | undefined> {
  const done = await waitForJob(jobId);
  if (done.status !== 'succeeded') throw new Error(done.error ?? `the run ${done.status}`);
  return (done.result as { containerId?: string } | null)?.containerId;
}

export default function ContainersPage() {
  useTick(15_000);
  const [hostId, setHostId] = useState('');
  const [state, setState] = useState<'all' | 'running' | 'exited'>('all');
  const { data: hosts } = useLive(() => trpc.hosts.list.query(), [], ['hosts']);
  const { data, error } = useLive(() => trpc.containers.list.query({ hostId: hostId || undefined }), [hostId], ['inventory']);
  const [notice, setNotice] = useState<Notice>();
  const [open, setOpen] = useState<Open>();
  const [running, setRunning] = useState(false);
  const rows = data?.filter((c) => state === 'all' || (state === 'running' ? c.status === 'running' : c.status !== 'running'));

  const say = (ok: boolean, text: string) => setNotice({ ok, text });
  const act = (p: Promise<unknown>, text: string) => p.then(() => say(true, text), (e: Error) => say(false, e.message));
  const show = (what: Open['what'], c: Row) => setOpen({ what, hostId: c.hostId, container: { id: c.id, name: c.name } });

  return (
    <>
      <PageTitle sub="Containers on every host, as `drydock ps -a` shows them.">Containers</PageTitle>
      <ErrorLine error={error} />
      <NoticeLine notice={notice} onClose={() => setNotice(undefined)} />
      <Card
        title={`${rows?.length ?? 0} containers`}
        actions={
          <>
            <select value={hostId} onChange={(e) => setHostId(e.target.value)} className="rounded-lg border-0 py-1.5 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300" aria-label="Host">
              <option value="">All hosts</option>
              {hosts?.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
            </select>
            <select value={state} onChange={(e) => setState(e.target.value as typeof state)} className="rounded-lg border-0 py-1.5 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300" aria-label="State">
              <option value="all">All states</option>
              <option value="running">Running</option>
              <option value="exited">Stopped</option>
            </select>
            <Button onClick={() => setRunning(true)} disabled={!hosts?.length}>Run container</Button>
          </>
        }
      >
        <Table head={['Name', 'Host', 'Image / command', 'Status', 'Ports', '']} empty={rows?.length === 0}>
          {rows?.map((c) => {
            const up = c.status === 'running';
            return (
              <tr key={`${c.hostId}/${c.id}`} data-testid="container-row" data-name={c.name}>
                <td className="px-3 py-2">
                  <div className="font-medium">{c.name}</div>
                  <div className="whitespace-nowrap font-mono text-[11px] text-slate-400" title={`created ${ago(c.created)}`}>{shortId(c.id)}</div>
                </td>
                <td className="px-3 py-2 text-slate-500">{c.host}</td>
                <td className="max-w-64 px-3 py-2">
                  <div className="truncate">{c.image}</div>
                  <div className="truncate font-mono text-[11px] text-slate-400" title={c.command}>{c.command}</div>
                </td>
                <td className="whitespace-nowrap px-3 py-2"><Badge tone={stateTone(c)}>{dockerStatus(c)}</Badge></td>
                <td className="px-3 py-2 font-mono text-xs">{c.ports.join(', ')}</td>
                <td className="px-3 py-2">
                  <div className="flex items-center justify-end gap-1.5 whitespace-nowrap">
                    <Button variant="secondary" className="px-2! py-1! text-xs!" onClick={() => show('logs', c)}>Logs</Button>
                    {up && <Button variant="secondary" className="px-2! py-1! text-xs!" onClick={() => show('terminal', c)}>Terminal</Button>}
                    <RowMenu>
                      {up && <MenuItem onClick={() => void act(trpc.containers.stop.mutate({ hostId: c.hostId, container: c.id }), `Stopping ${c.name}`)}>Stop</MenuItem>}
                      <MenuItem onClick={() => show('diff', c)}>Diff</MenuItem>
                      <MenuItem onClick={() => show('commit', c)}>Commit</MenuItem>
                      <a role="menuitem" className={menuItemClass} href={`/api/v1/hosts/${c.hostId}/containers/${c.id}/export`} download={`${c.name}.tar`}>Export</a>
                      <MenuItem
                        danger
                        onClick={() => confirm(`Remove ${c.name}${up ? ' (running: it is killed first)' : ''}?`) && void act(trpc.containers.remove.mutate({ hostId: c.hostId, container: c.id, force: true }), `Removing ${c.name}`)}
                      >
                        Remove
                      </MenuItem>
                    </RowMenu>
                  </div>
                </td>
              </tr>
            );
          })}
        </Table>
      </Card>
      {running && hosts && (
        <RunDialog
          hosts={hosts}
          hostId={hostId}
          onClose={() => setRunning(false)}
          onStarted={({ jobId, hostId: host, name, attach }) => {
            setRunning(false);
            say(true, `Starting ${name || 'a container'}`);
            if (attach) {
              startedContainer(jobId).then(
                (containerId) => containerId && setOpen({ what: 'logs', hostId: host, container: { id: containerId, name: name || shortId(containerId) } }),
                (e: Error) => say(false, e.message),
              );
            }
          }}
        />
      )}
      {open?.what === 'logs' && <LogsPanel hostId={open.hostId} container={open.container} onClose={() => setOpen(undefined)} />}
      {open?.what === 'terminal' && <TerminalPanel hostId={open.hostId} container={open.container} onClose={() => setOpen(undefined)} />}
      {open?.what === 'diff' && <DiffDialog hostId={open.hostId} container={open.container} onClose={() => setOpen(undefined)} />}
      {open?.what === 'commit' && <CommitDialog hostId={open.hostId} container={open.container} onClose={() => setOpen(undefined)} onStarted={(text) => (setOpen(undefined), say(true, text))} />}
    </>
  );
}
