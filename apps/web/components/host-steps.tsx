'use client';
import { useEffect, useState } from 'react';
import { uiSocket } from '../lib/hooks';
import { Badge, statusTone } from './ui';

export interface HostStep {
  step: string;
  status: 'running' | 'done' | 'failed' | 'skipped';
  detail?: string;
}

interface HostStepEvent extends HostStep {
  operation: string;
  hostId: string;
  hostName: string;
}

/**
 * Steps of an SSH operation as the hub streams them (`host:step` on /ui), each step's
 * latest status in order. `match` picks the operation's events (by host name for an
 * enrollment, whose host id is not known yet; by host id afterwards).
 */
export function useHostSteps(match: ((e: HostStepEvent) => boolean) | null) {
  const [steps, setSteps] = useState<HostStep[]>([]);
  useEffect(() => {
    if (!match) return;
    setSteps([]);
    const s = uiSocket();
    const on = (e: HostStepEvent) => {
      if (!match(e)) return;
      setSteps((prev) => {
        const next = prev.filter((p) => p.step !== e.step);
        const at = prev.findIndex((p) => p.step === e.step);
        const entry: HostStep = { step: e.step, status: e.status, ...(e.detail ? { detail: e.detail } : {}) };
        if (at === -1) return [...next, entry];
        next.splice(at, 0, entry);
        return next;
      });
    };
    s.on('host:step', on);
    return () => void s.off('host:step', on);
  }, [match]);
  return { steps, setSteps };
}

export function StepList({ steps }: { steps: HostStep[] }) {
  if (steps.length === 0) return null;
  return (
    <ol className="space-y-1.5 text-sm" data-testid="host-steps">
      {steps.map((s) => (
        <li key={s.step} className="flex items-start gap-3" data-testid="host-step" data-step={s.step} data-status={s.status}>
          <span className="w-20 shrink-0"><Badge tone={s.status === 'done' ? 'green' : s.status === 'skipped' ? 'gray' : statusTone(s.status)}>{s.status}</Badge></span>
          <span className="w-24 shrink-0 font-medium">{s.step}</span>
          <span className="min-w-0 break-words font-mono text-xs text-slate-500">{s.detail}</span>
        </li>
      ))}
    </ol>
  );
}
