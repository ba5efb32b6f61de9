'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';
import { TaskCentre } from '../../components/task-centre';
import { trpc } from '../../lib/trpc';

const NAV = [
  ['/', 'Hosts'],
  ['/images', 'Images'],
  ['/containers', 'Containers'],
  ['/builds', 'Builds'],
  ['/registries', 'Registries'],
  ['/audit', 'Audit'],
  ['/users', 'Users & tokens'],
] as const;

type Me = { email: string; name: string; role: string };

export default function DashLayout({ children }: { children: ReactNode }) {
  const path = usePathname();
  const [me, setMe] = useState<Me | null>();
  useEffect(() => {
    trpc.users.me.query().then(
      (m) => (m ? setMe(m) : (window.location.href = '/login')),
      () => (window.location.href = '/login'),
    );
  }, []);
  if (!me) return <div className="p-10 text-sm text-slate-400">Loading…</div>;

  async function signOut() {
    await fetch('/api/session', { method: 'DELETE' });
    window.location.href = '/login';
  }

  return (
    <div className="flex min-h-screen">
      <aside className="flex w-60 shrink-0 flex-col bg-slate-900 text-slate-300">
        <div className="flex items-center gap-2 px-5 py-5 text-lg font-semibold text-white">
          <span className="flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-500">⚓</span> Drydock
        </div>
        <nav className="flex-1 space-y-1 px-3">
          {NAV.map(([href, label]) => {
            const active = href === '/' ? path === '/' || path.startsWith('/hosts/') : path.startsWith(href);
            return (
              <Link key={href} href={href} className={`block rounded-lg px-3 py-2 text-sm font-medium ${active ? 'bg-slate-800 text-white' : 'hover:bg-slate-800/60 hover:text-white'}`}>
                {label}
              </Link>
            );
          })}
        </nav>
        <div className="border-t border-slate-800 px-5 py-4 text-xs">
          <div className="truncate text-slate-200" data-testid="me">{me.email}</div>
          <div className="mb-2 text-slate-500">{me.role}</div>
          <button onClick={signOut} className="text-slate-400 hover:text-white">Sign out</button>
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-8 py-8">{children}</main>
      <TaskCentre />
    </div>
  );
}
