'use client';
import Link from 'next/link';
import { useState } from 'react';
import { trpc } from '../lib/trpc';
import { ago, formatBytes, useLive } from '../lib/hooks';
import { Badge, statusTone } from './ui';

/** Running and recent jobs (pull, push, load, build…) with progress, on every page. */
export function TaskCentre() {
  const [open, setOpen] = useState(true);
  const [cancelling, setCancelling] = useState<Record<string, string>>({});
  const { data: jobs } = useLive(() => trpc.jobs.list.query({ take: 12 }), [], ['jobs']);
  const running = jobs?.filter((j) => j.status === 'running' || j.status === 'queued').length ?? 0;
  return (
    <aside className={`shrink-0 border-l border-slate-200 bg-white transition-all ${open ? 'w-80' : 'w-12'}`} aria-label="Task centre">
      <button onClick={() => setOpen(!open)} className="flex w-full items-center justify-between px-4 py-4 text-sm font-semibold text-slate-700">
        {open ? <span>Tasks {running > 0 && <Badge tone="blue">{running} running</Badge>}</span> : <span>☰</span>}
      </button>
      {open && (
        <ul className="space-y-2 px-3 pb-6" data-testid="tasks">
          {jobs?.length === 0 && <li className="px-1 text-xs text-slate-400">No jobs yet.</li>}
          {jobs?.map((j) => {
            const pct = j.progress?.total ? Math.min(100, (100 * j.progress.bytes) / j.progress.total) : j.status === 'succeeded' ? 100 : undefined;
            const body = (
              <div className="rounded-lg border border-slate-100 p-3 hover:border-slate-300">
                <div className="flex items-center justify-between gap-2">
                  <span className="truncate text-xs font-medium text-slate-800">{j.kind}</span>
                  <Badge tone={statusTone(j.status)}>{j.status}</Badge>
                </div>
                <div className="mt-1 truncate text-xs text-slate-500">{j.target ?? '—'} · {j.host}</div>
                {(j.status === 'running' || j.status === 'queued') && (
                  <div className="mt-2 h-1.5 overflow-hidden rounded bg-slate-100">
                    <div className={`h-full bg-indigo-500 ${pct === undefined ? 'w-1/3 animate-pulse' : ''}`} style={pct === undefined ? {} : { width: `${pct}%` }} />
                  </div>
                )}
                {j.progress && j.status === 'running' && <div className="mt-1 text-[11px] text-slate-400">{formatBytes(j.progress.bytes)}{j.progress.total ? ` / ${formatBytes(j.progress.total)}` : ''}</div>}
                {j.status === 'running' && j.cancellable && (
                  <div className="mt-1 flex items-center justify-between gap-2 text-[11px]">
                    <span className="truncate text-red-600">{cancelling[j.id] !== 'asked' ? cancelling[j.id] : ''}</span>
                    <button
                      type="button"
                      className="rounded px-1.5 py-0.5 font-medium text-red-600 ring-1 ring-inset ring-red-200 hover:bg-red-50 disabled:opacity-50"
                      disabled={cancelling[j.id] === 'asked'}
                      aria-label={`Cancel ${j.kind} ${j.target ?? ''}`.trim()}
                      onClick={(e) => {
                        e.preventDefault(); // the card may be a link to the build
                        setCancelling((c) => ({ ...c, [j.id]: 'asked' }));
                        trpc.jobs.cancel.mutate({ id: j.id }).catch((x: Error) => setCancelling((c) => ({ ...c, [j.id]: x.message })));
                      }}
                    >
                      {cancelling[j.id] === 'asked' ? 'Cancelling…' : 'Cancel'}
                    </button>
                  </div>
                )}
                {j.error && <div className="mt-1 line-clamp-2 text-[11px] text-red-600">{j.error}</div>}
                <div className="mt-1 text-[11px] text-slate-400">{ago(j.createdAt)}</div>
              </div>
            );
            return <li key={j.id}>{j.buildId ? <Link href={`/builds/${j.buildId}`}>{body}</Link> : body}</li>;
          })}
        </ul>
      )}
    </aside>
  );
}
