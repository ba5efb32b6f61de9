'use client';
import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, ErrorLine, Input, PageTitle, Table } from '../../../components/ui';
import { ago, useLive } from '../../../lib/hooks';
import { trpc } from '../../../lib/trpc';

export default function UsersPage() {
  const { data: me } = useLive(() => trpc.users.me.query(), []);
  const isAdmin = me?.role === 'admin';
  const users = useLive(() => (isAdmin ? trpc.users.list.query() : Promise.resolve([])), [isAdmin]);
  const tokens = useLive(() => trpc.users.tokens.query(), []);
  const [err, setErr] = useState<string>();
  const [newToken, setNewToken] = useState<string>();
  const [resetting, setResetting] = useState<string>();
  const [notice, setNotice] = useState<string>();

  async function changeMine(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const newPassword = String(f.get('newPassword'));
    if (newPassword !== String(f.get('confirm'))) return setErr('the new passwords differ');
    await trpc.users.changePassword.mutate({ currentPassword: String(f.get('currentPassword')), newPassword }).then(
      (r) => {
        form.reset();
        setErr(undefined);
        setNotice(`Password changed; ${r.sessionsRevoked} other session${r.sessionsRevoked === 1 ? '' : 's'} signed out.`);
      },
      (x: Error) => setErr(x.message),
    );
  }

  async function resetOther(e: FormEvent<HTMLFormElement>, user: { id: string; email: string }) {
    e.preventDefault();
    const newPassword = String(new FormData(e.currentTarget).get('newPassword'));
    await trpc.users.resetPassword.mutate({ id: user.id, newPassword }).then(
      () => {
        setResetting(undefined);
        setErr(undefined);
        setNotice(`Password of ${user.email} reset; their sessions were signed out.`);
      },
      (x: Error) => setErr(x.message),
    );
  }

  async function addUser(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const form = e.currentTarget;
    await trpc.users.create
      .mutate({ email: String(f.get('email')), name: String(f.get('name')), password: String(f.get('password')), role: f.get('role') as 'viewer' })
      .then(() => {
        form.reset();
        users.reload();
        setErr(undefined);
      }, (x: Error) => setErr(x.message));
  }

  return (
    <>
      <PageTitle sub="Roles: admins manage users and hosts, operators run jobs, viewers look.">Users & tokens</PageTitle>
      <ErrorLine error={err ?? users.error ?? tokens.error} />
      {notice && <p role="status" className="mb-4 rounded-lg bg-emerald-50 px-4 py-2 text-sm text-emerald-700">{notice}</p>}
      <div className="grid gap-6 2xl:grid-cols-2">
        {isAdmin && (
          <Card title="Users">
            <Table head={['Email', 'Name', 'Role', 'Since', '']}>
              {users.data?.map((u) => (
                <tr key={u.id} data-testid="user-row">
                  <td className="px-3 py-2">{u.email}</td>
                  <td className="px-3 py-2">{u.name}</td>
                  <td className="px-3 py-2">
                    <select value={u.role} aria-label={`Role of ${u.email}`} onChange={(e) => void trpc.users.setRole.mutate({ id: u.id, role: e.target.value as 'viewer' }).then(users.reload, (x: Error) => setErr(x.message))} className="rounded-lg border-0 py-1 pl-2 text-sm ring-1 ring-inset ring-slate-300">
                      <option>admin</option><option>operator</option><option>viewer</option>
                    </select>
                  </td>
                  <td className="px-3 py-2 text-slate-500">{ago(u.createdAt)}</td>
                  <td className="px-3 py-2 text-right">
                    {u.email !== me?.email &&
                      (resetting === u.id ? (
                        <form onSubmit={(e) => void resetOther(e, u)} className="flex justify-end gap-2">
                          <Input name="newPassword" type="password" minLength={8} required placeholder="new password" aria-label={`New password for ${u.email}`} className="w-36" />
                          <Button type="submit">Set</Button>
                          <Button type="button" variant="secondary" onClick={() => setResetting(undefined)}>Cancel</Button>
                        </form>
                      ) : (
                        <Button variant="secondary" onClick={() => setResetting(u.id)} aria-label={`Reset password of ${u.email}`}>Reset password</Button>
                      ))}
                  </td>
                </tr>
              ))}
            </Table>
            <form onSubmit={addUser} className="mt-4 grid gap-2 sm:grid-cols-5">
              <Input name="email" type="email" placeholder="email" required aria-label="New user email" />
              <Input name="name" placeholder="name" required aria-label="New user name" />
              <Input name="password" type="password" placeholder="password (8+)" required aria-label="New user password" />
              <select name="role" className="rounded-lg border-0 py-1.5 pl-2 text-sm ring-1 ring-inset ring-slate-300" aria-label="New user role"><option>viewer</option><option>operator</option><option>admin</option></select>
              <Button type="submit">Add user</Button>
            </form>
          </Card>
        )}
        <Card title="My password">
          <form onSubmit={(e) => void changeMine(e)} className="grid max-w-xl gap-2 sm:grid-cols-2">
            <Input name="currentPassword" type="password" autoComplete="current-password" required placeholder="current password" aria-label="Current password" className="sm:col-span-2" />
            <Input name="newPassword" type="password" autoComplete="new-password" minLength={8} required placeholder="new password (8+)" aria-label="New password" />
            <Input name="confirm" type="password" autoComplete="new-password" minLength={8} required placeholder="new password again" aria-label="Confirm new password" />
            <div className="flex items-center gap-3 sm:col-span-2"><Button type="submit">Change password</Button><span className="text-xs text-slate-500">Your other sessions are signed out.</span></div>
          </form>
        </Card>
        <Card title="My API tokens">
          {newToken && <p className="mb-3 break-all rounded-lg bg-slate-900 p-3 font-mono text-xs text-emerald-300">{newToken}<span className="block text-slate-400">Shown once: copy it now.</span></p>}
          <Table head={['Name', 'Created', 'Last used', '']} empty={tokens.data?.length === 0}>
            {tokens.data?.map((t) => (
              <tr key={t.id}>
                <td className="px-3 py-2">{t.name} {t.revoked && <Badge tone="red">revoked</Badge>}</td>
                <td className="px-3 py-2 text-slate-500">{ago(t.createdAt)}</td>
                <td className="px-3 py-2 text-slate-500">{ago(t.lastUsedAt)}</td>
                <td className="px-3 py-2 text-right">{!t.revoked && <Button variant="danger" onClick={() => void trpc.users.revokeToken.mutate({ id: t.id }).then(tokens.reload)}>Revoke</Button>}</td>
              </tr>
            ))}
          </Table>
          <form
            className="mt-4 flex gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              const form = e.currentTarget;
              const name = String(new FormData(form).get('name'));
              void trpc.users.createToken.mutate({ name }).then((t) => {
                setNewToken(t.token);
                form.reset();
                tokens.reload();
              });
            }}
          >
            <Input name="name" placeholder="token name (ci, laptop…)" required aria-label="Token name" />
            <Button type="submit">Create token</Button>
          </form>
        </Card>
      </div>
    </>
  );
}
