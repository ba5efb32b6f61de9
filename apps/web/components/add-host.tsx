'use client';
import { useCallback, useState, type FormEvent } from 'react';
import { trpc } from '../lib/trpc';
import { StepList, useHostSteps } from './host-steps';
import { Button, ErrorLine, Input } from './ui';

type Enrolled = Awaited<ReturnType<typeof trpc.hostAgents.enroll.mutate>>;

/**
 * "Add host": SSH access once, then the hub installs the agent (POST /api/v1/hosts does
 * the same). The steps stream live; the host key fingerprint is shown once pinned.
 */
export function AddHostForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string>();
  const [auth, setAuth] = useState<'key' | 'password'>('key');
  const [enrolled, setEnrolled] = useState<Enrolled>();
  const match = useCallback((e: { operation: string; hostName: string }) => e.operation === 'enroll' && e.hostName === name, [name]);
  const { steps } = useHostSteps(name ? match : null);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim() || undefined;
    const hostName = text('name')!;
    setErr(undefined);
    setEnrolled(undefined);
    setName(hostName);
    setBusy(true);
    try {
      const r = await trpc.hostAgents.enroll.mutate({
        name: hostName,
        ssh: {
          host: text('address')!,
          port: Number(text('port') ?? 22),
          username: text('username')!,
          ...(auth === 'key' ? { privateKey: String(f.get('privateKey') ?? ''), passphrase: text('passphrase') } : { password: String(f.get('password') ?? '') }),
        },
        hubUrl: text('hubUrl') ?? window.location.origin,
      });
      setEnrolled(r);
      onDone();
    } catch (x) {
      setErr((x as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="mb-5 rounded-lg border border-slate-200 p-4" data-testid="add-host">
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-6">
        <label className="text-xs text-slate-500 sm:col-span-2">Name<Input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" placeholder="build-box-1" aria-label="Host name" /></label>
        <label className="text-xs text-slate-500 sm:col-span-2">SSH host<Input name="address" required placeholder="10.0.0.5" aria-label="SSH host" /></label>
        <label className="text-xs text-slate-500">Port<Input name="port" type="number" min={1} max={65535} defaultValue={22} aria-label="SSH port" /></label>
        <label className="text-xs text-slate-500">User<Input name="username" required defaultValue="root" aria-label="SSH user" /></label>
        <div className="flex items-center gap-4 text-sm sm:col-span-6">
          <label className="flex items-center gap-1.5"><input type="radio" checked={auth === 'key'} onChange={() => setAuth('key')} /> Private key</label>
          <label className="flex items-center gap-1.5"><input type="radio" checked={auth === 'password'} onChange={() => setAuth('password')} /> Password</label>
        </div>
        {auth === 'key' ? (
          <>
            <label className="text-xs text-slate-500 sm:col-span-4">
              Private key
              <textarea name="privateKey" required rows={4} spellCheck={false} autoComplete="off" placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" aria-label="SSH private key"
                className="block w-full rounded-lg border-0 px-3 py-1.5 font-mono text-xs text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 focus:outline-none" />
            </label>
            <label className="text-xs text-slate-500 sm:col-span-2">Passphrase<Input name="passphrase" type="password" autoComplete="off" placeholder="if the key has one" aria-label="Passphrase" /></label>
          </>
        ) : (
          <label className="text-xs text-slate-500 sm:col-span-3">Password<Input name="password" type="password" required autoComplete="off" aria-label="SSH password" /></label>
        )}
        <label className="text-xs text-slate-500 sm:col-span-4">
          Hub URL for the agent<Input name="hubUrl" placeholder={typeof window !== 'undefined' ? `default: this hub (${window.location.origin})` : ''} aria-label="Hub URL" />
        </label>
        <div className="flex items-end sm:col-span-2">
          <Button type="submit" disabled={busy}>{busy ? 'Installing…' : 'Add host'}</Button>
        </div>
      </form>
      <div className="mt-4 space-y-3">
        <ErrorLine error={err} />
        <StepList steps={steps} />
        {enrolled && (
          <p className="text-sm text-emerald-700" data-testid="enrolled">
            {enrolled.host.name} is {enrolled.host.status}. Host key pinned: <span className="font-mono" data-testid="fingerprint">{enrolled.ssh.hostKeyFingerprint}</span>
          </p>
        )}
      </div>
    </div>
  );
}
