'use client';
import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import { useCallback, useState } from 'react';
import { StepList, useHostSteps } from '../../../../components/host-steps';
import { Badge, Button, Card, ErrorLine, PageTitle, statusTone } from '../../../../components/ui';
import { ago, formatBytes, useLive } from '../../../../lib/hooks';
import { trpc } from '../../../../lib/trpc';

type Scan = Awaited<ReturnType<typeof trpc.hostAgents.scanKey.query>>;

/** One host: its facts, how the hub reaches it over SSH, and the agent's actions. */
export default function HostPage() {
  const { id } = useParams<{ id: string }>();
  const router = useRouter();
  const host = useLive(async () => (await trpc.hosts.list.query()).find((h) => h.id === id) ?? null, [id], ['hosts']);
  const ssh = useLive(() => trpc.hostAgents.ssh.query({ id }).catch(() => null), [id], ['hosts']);
  const [busy, setBusy] = useState<string>();
  const [err, setErr] = useState<string>();
  const [note, setNote] = useState<string>();
  const [log, setLog] = useState<string>();
  const [scan, setScan] = useState<Scan>();
  const match = useCallback((e: { hostId: string }) => e.hostId === id, [id]);
  const { steps, setSteps } = useHostSteps(match);

  async function run(what: string, work: () => Promise<unknown>) {
    setBusy(what);
    setErr(undefined);
    setNote(undefined);
    setSteps([]);
    try {
      await work();
    } catch (x) {
      setErr((x as Error).message);
    } finally {
      setBusy(undefined);
      ssh.reload();
    }
  }

  if (host.data === null) return <ErrorLine error={`No host ${id}.`} />;
  const h = host.data;
  const s = ssh.data;
  return (
    <>
      <PageTitle sub={<><Link href="/" className="text-indigo-600 hover:underline">← Hosts</Link> · <Link href={`/images?host=${id}`} className="text-indigo-600 hover:underline">Images on this host</Link></>}>
        {h?.name ?? '…'} {h && <Badge tone={statusTone(h.status)}>{h.status}</Badge>}
      </PageTitle>
      <ErrorLine error={err ?? host.error} />
      <div className="grid gap-6 xl:grid-cols-3">
        <Card title="Host">
          <dl className="grid grid-cols-3 gap-y-2 text-sm">
            <dt className="text-slate-500">OS</dt><dd className="col-span-2">{h?.facts?.distro ?? h?.facts?.os ?? '—'} {h?.facts?.kernel}</dd>
            <dt className="text-slate-500">Arch, CPUs</dt><dd className="col-span-2">{h?.facts ? `${h.facts.arch}, ${h.facts.cpus}` : '—'}</dd>
            <dt className="text-slate-500">Memory</dt><dd className="col-span-2">{h?.facts ? formatBytes(h.facts.memoryBytes) : '—'}</dd>
            <dt className="text-slate-500">Agent</dt><dd className="col-span-2">{h?.agentVersion ?? '—'}</dd>
            <dt className="text-slate-500">Last seen</dt><dd className="col-span-2">{h?.status === 'online' ? 'now' : ago(h?.lastSeenAt)}</dd>
          </dl>
        </Card>
        <div className="min-w-0 xl:col-span-2">
          <Card
            title="Agent over SSH"
            actions={
              s && (
                <>
                  <Button variant="secondary" disabled={!!busy} onClick={() => run('upgrade', () => trpc.hostAgents.upgrade.mutate({ id }).then((r) => setNote(`Upgraded to ${r.bundleVersion}.`)))}>Upgrade</Button>
                  <Button variant="secondary" disabled={!!busy} onClick={() => run('restart', () => trpc.hostAgents.restart.mutate({ id }).then(() => setNote('Restarted.')))}>Restart</Button>
                  <Button variant="secondary" disabled={!!busy} onClick={() => run('log', () => trpc.hostAgents.log.query({ id, lines: 200 }).then((r) => setLog(r.log)))}>Log</Button>
                  <Button variant="danger" disabled={!!busy}
                    onClick={() => confirm(`Stop and uninstall the agent on ${h?.name ?? id} and revoke its token?`) && void run('remove', () => trpc.hostAgents.remove.mutate({ id }).then(() => router.push('/')))}>
                    Remove
                  </Button>
                </>
              )
            }
          >
            {!s ? (
              <p className="text-sm text-slate-400">{ssh.data === null ? 'This host was not enrolled over SSH: the hub cannot manage its agent.' : 'Loading…'}</p>
            ) : (
              <div className="space-y-4">
                <dl className="grid grid-cols-3 gap-y-2 text-sm">
                  <dt className="text-slate-500">SSH</dt><dd className="col-span-2 font-mono text-xs">{s.username}@{s.address}:{s.port} ({s.auth})</dd>
                  <dt className="text-slate-500">Host key</dt><dd className="col-span-2 break-all font-mono text-xs" data-testid="pinned-fingerprint">{s.hostKeyFingerprint ?? '—'}</dd>
                  <dt className="text-slate-500">Hub URL</dt><dd className="col-span-2 font-mono text-xs">{s.hubUrl}</dd>
                  <dt className="text-slate-500">Runs as</dt><dd className="col-span-2">{s.mode ?? '—'} · {s.bundleVersion ?? '—'}</dd>
                </dl>
                {s.pendingHostKeyFingerprint && (
                  <div className="rounded-lg bg-amber-50 p-3 text-sm text-amber-900" data-testid="key-changed">
                    <p className="font-medium">The host presented a different key: <span className="break-all font-mono text-xs">{s.pendingHostKeyFingerprint}</span></p>
                    <p className="mt-1">Operations are refused until you accept it. Compare it with <span className="font-mono text-xs">ssh-keygen -lf</span> on the host first.</p>
                    <div className="mt-2 flex items-center gap-2">
                      <Button variant="secondary" disabled={!!busy} onClick={() => run('scan', () => trpc.hostAgents.scanKey.query({ id }).then(setScan))}>Check the key now</Button>
                      {scan && (
                        <Button disabled={!!busy} onClick={() => run('accept', () => trpc.hostAgents.acceptKey.mutate({ id, fingerprint: scan.seen }).then(() => (setScan(undefined), setNote(`Host key ${scan.seen} accepted.`))))}>
                          Accept {scan.seen}
                        </Button>
                      )}
                    </div>
                  </div>
                )}
                {busy && <p className="text-sm text-slate-500">Working: {busy}…</p>}
                {note && <p className="text-sm text-emerald-700">{note}</p>}
                <StepList steps={steps.length ? steps : busy ? [] : (s.lastSteps ?? [])} />
              </div>
            )}
          </Card>
        </div>
      </div>
      {log !== undefined && (
        <div className="mt-6">
          <Card title="Agent log" actions={<Button variant="secondary" onClick={() => setLog(undefined)}>Close</Button>}>
            <pre className="max-h-[28rem] overflow-auto rounded-lg bg-slate-900 p-3 font-mono text-xs text-slate-100" data-testid="agent-log">{log || '(empty)'}</pre>
          </Card>
        </div>
      )}
    </>
  );
}
