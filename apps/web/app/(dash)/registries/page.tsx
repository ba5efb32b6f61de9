'use client';
import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, ErrorLine, Input, PageTitle, Table } from '../../../components/ui';
import { ago, useLive } from '../../../lib/hooks';
import { trpc } from '../../../lib/trpc';

type Repos = Awaited<ReturnType<typeof trpc.registries.browse.query>>;

export default function RegistriesPage() {
  const list = useLive(() => trpc.registries.list.query(), []);
  const [err, setErr] = useState<string>();
  const [browsing, setBrowsing] = useState<{ id: string; repos?: Repos }>();

  async function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    await trpc.registries.save
      .mutate({ name: String(f.get('name')), url: String(f.get('url')), username: String(f.get('username') ?? '') || undefined, password: String(f.get('password') ?? '') || undefined })
      .then(() => {
        form.reset();
        list.reload();
        setErr(undefined);
      }, (x: Error) => setErr(x.message));
  }

  const browse = (id: string) => {
    setBrowsing({ id });
    trpc.registries.browse.query({ id }).then((repos) => setBrowsing({ id, repos }), (x: Error) => (setErr(x.message), setBrowsing(undefined)));
  };

  return (
    <>
      <PageTitle sub="Credentials are stored encrypted (AES-256-GCM) with a key kept outside the database.">Registries</PageTitle>
      <ErrorLine error={err ?? list.error} />
      <div className="grid gap-6 xl:grid-cols-2">
        <Card title="Registries">
          <Table head={['Name', 'URL', 'User', 'Added', '']} empty={list.data?.length === 0}>
            {list.data?.map((r) => (
              <tr key={r.id}>
                <td className="px-3 py-2 font-medium">{r.name}</td>
                <td className="px-3 py-2 font-mono text-xs">{r.url}</td>
                <td className="px-3 py-2">{r.username ?? '—'} {r.hasPassword && <Badge>password</Badge>}</td>
                <td className="px-3 py-2 text-slate-500">{ago(r.createdAt)}</td>
                <td className="px-3 py-2">
                  <div className="flex justify-end gap-2">
                    <Button variant="secondary" onClick={() => browse(r.id)}>Browse</Button>
                    <Button variant="danger" onClick={() => confirm(`Forget ${r.name}?`) && void trpc.registries.remove.mutate({ id: r.id }).then(list.reload, (x: Error) => setErr(x.message))}>Remove</Button>
                  </div>
                </td>
              </tr>
            ))}
          </Table>
          <form onSubmit={save} className="mt-4 grid gap-2 sm:grid-cols-5">
            <Input name="name" placeholder="name" required aria-label="Registry name" />
            <Input name="url" placeholder="https://registry:5000" required aria-label="Registry URL" />
            <Input name="username" placeholder="user" aria-label="Registry user" />
            <Input name="password" type="password" placeholder="password" aria-label="Registry password" />
            <Button type="submit">Save</Button>
          </form>
        </Card>
        {browsing && (
          <Card title="Repositories">
            {!browsing.repos && <p className="text-sm text-slate-400">Loading…</p>}
            <ul className="space-y-2 text-sm" data-testid="repositories">
              {browsing.repos?.map((r) => (
                <li key={r.name}>
                  <span className="font-mono font-medium">{r.name}</span>{' '}
                  {r.tags.map((t) => <Badge key={t} tone="blue">{t}</Badge>)}
                </li>
              ))}
              {browsing.repos?.length === 0 && <li className="text-slate-400">No repositories.</li>}
            </ul>
          </Card>
        )}
      </div>
    </>
  );
}
