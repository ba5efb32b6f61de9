'use client';
import { use, useEffect, useMemo, useState } from 'react';
import { Badge, Card, ErrorLine, PageTitle, statusTone } from '../../../../components/ui';
import { shortId, uiSocket, useLive } from '../../../../lib/hooks';
import { trpc } from '../../../../lib/trpc';

type Build = Awaited<ReturnType<typeof trpc.builds.get.query>>;
type Step = Build['steps'][number];
type Line = { seq: number; step: number | null; line: string };
type LiveEvent = { buildId: string | null; seq: number; event: { type: string; step?: number; name?: string; text?: string; durationMs?: number } };

export default function BuildPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const { data: build, error } = useLive(() => trpc.builds.get.query({ id, logs: true }), [id], ['builds']);
  const [steps, setSteps] = useState<Map<number, Step>>(new Map());
  const [lines, setLines] = useState<Map<number, Line>>(new Map());

  // Stored state first; live events fill in (keyed by seq, so overlaps are harmless).
  useEffect(() => {
    if (!build) return;
    setSteps((old) => {
      const next = new Map(old);
      for (const s of build.steps) next.set(s.index, { ...next.get(s.index), ...s });
      return next;
    });
    setLines((old) => {
      const next = new Map(old);
      for (const l of build.logs ?? []) next.set(l.seq, l);
      return next;
    });
  }, [build]);

  useEffect(() => {
    const s = uiSocket();
    const onJob = (e: LiveEvent) => {
      if (e.buildId !== id) return;
      const ev = e.event;
      if (ev.type === 'log') setLines((old) => new Map(old).set(e.seq, { seq: e.seq, step: ev.step ?? null, line: ev.text ?? '' }));
      if (ev.type === 'step' || ev.type === 'cached' || ev.type === 'step-done') {
        setSteps((old) => {
          const next = new Map(old);
          const cur = next.get(ev.step!) ?? { index: ev.step!, name: ev.name ?? '', cached: false, status: 'running', durationMs: null };
          if (ev.type === 'step') next.set(ev.step!, { ...cur, name: ev.name ?? cur.name });
          if (ev.type === 'cached') next.set(ev.step!, { ...cur, cached: true });
          if (ev.type === 'step-done') next.set(ev.step!, { ...cur, status: 'done', durationMs: ev.durationMs ?? null });
          return next;
        });
      }
    };
    s.on('job', onJob);
    return () => void s.off('job', onJob);
  }, [id]);

  const byStep = useMemo(() => {
    const m = new Map<number | null, Line[]>();
    for (const l of [...lines.values()].sort((a, b) => a.seq - b.seq)) m.set(l.step, [...(m.get(l.step) ?? []), l]);
    return m;
  }, [lines]);
  const ordered = [...steps.values()].sort((a, b) => a.index - b.index);

  return (
    <>
      <PageTitle sub={build ? `${build.host} · ${build.actor} · context ${shortId(build.contextDigest)}` : undefined}>
        Build {build?.tags[0] ?? shortId(id)} {build && <Badge tone={statusTone(build.status)}>{build.status}</Badge>}
      </PageTitle>
      <ErrorLine error={error ?? build?.error ?? undefined} />
      {build?.imageId && <p className="mb-4 text-sm">Image <span className="font-mono" data-testid="image-id">{build.imageId}</span></p>}
      <div className="grid gap-6 xl:grid-cols-3">
        <div className="space-y-3 xl:col-span-2" data-testid="steps">
          {ordered.map((s) => (
            <div key={s.index} className="overflow-hidden rounded-xl border border-slate-200 bg-white" data-testid="step">
              <div className="flex items-center justify-between gap-3 border-b border-slate-100 px-4 py-2 text-sm">
                <span className="font-mono font-medium">{s.name}</span>
                <span className="flex items-center gap-2 text-xs text-slate-500">
                  {s.cached && <Badge tone="blue">CACHED</Badge>}
                  {s.status === 'failed' && <Badge tone="red">failed</Badge>}
                  {s.status === 'cancelled' && <Badge>cancelled</Badge>}
                  {s.durationMs !== null && s.durationMs !== undefined ? `${(s.durationMs / 1000).toFixed(1)}s` : s.status === 'running' ? <span className="animate-pulse">running…</span> : ''}
                </span>
              </div>
              {(byStep.get(s.index)?.length ?? 0) > 0 && (
                <pre className="max-h-96 overflow-auto bg-slate-950 px-4 py-2 font-mono text-xs leading-5 text-slate-200">{byStep.get(s.index)!.map((l) => l.line).join('\n')}</pre>
              )}
            </div>
          ))}
          {(byStep.get(null)?.length ?? 0) > 0 && <pre className="rounded-xl bg-slate-950 p-4 font-mono text-xs text-slate-200">{byStep.get(null)!.map((l) => l.line).join('\n')}</pre>}
          {ordered.length === 0 && <p className="text-sm text-slate-400">Waiting for the agent…</p>}
        </div>
        <Card title="Dockerfile">
          <pre className="overflow-auto font-mono text-xs">{build?.dockerfile ?? `(from the context: ${build?.dockerfilePath ?? ''})`}</pre>
          {build && Object.keys(build.buildArgs).length > 0 && <p className="mt-3 text-xs text-slate-500">Args: {Object.entries(build.buildArgs).map(([k, v]) => `${k}=${v}`).join(' ')}</p>}
        </Card>
      </div>
    </>
  );
}
