'use client';
import { useEffect, useRef, useState } from 'react';
import { uiSocket } from '../../lib/hooks';
import { closeSession, openSession, type JobMessage } from '../../lib/sessions';
import { Input } from '../ui';
import { Modal } from './modal';

type Line = { text: string; time?: string | undefined; stream?: string | undefined };

/**
 * `docker logs -f` in a panel: the hub follows the container's log on its
 * host and streams the lines over the /ui socket; closing the panel (or
 * changing the tail) ends that stream.
 */
export function LogsPanel({ hostId, container, onClose }: { hostId: string; container: { id: string; name: string }; onClose: () => void }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [timestamps, setTimestamps] = useState(false);
  const [tail, setTail] = useState('100');
  const [state, setState] = useState<{ live: boolean; note?: string }>({ live: false });
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const socket = uiSocket();
    let jobId: string | undefined;
    let gone = false;
    setLines([]);
    setState({ live: false, note: 'connecting…' });
    const onJob = (m: JobMessage) => {
      if (m.jobId !== jobId) return;
      const e = m.event;
      if (e.type === 'log') setLines((ls) => [...ls, { text: e.text ?? '', time: e.time, stream: e.stream }]);
      else if (e.type === 'done') setState({ live: false, note: 'the container stopped' });
      else if (e.type === 'failed' && e.code !== 'cancelled') setState({ live: false, note: e.message ?? 'failed' });
    };
    socket.on('job', onJob);
    const n = Number(tail);
    openSession('logs:open', { hostId, container: container.id, ...(tail.trim() !== '' && Number.isInteger(n) && n >= 0 ? { tail: n } : {}) }).then(
      (id) => {
        if (gone) return closeSession(id);
        jobId = id;
        setState({ live: true });
      },
      (e: Error) => setState({ live: false, note: e.message }),
    );
    return () => {
      gone = true;
      socket.off('job', onJob);
      if (jobId) closeSession(jobId);
    };
  }, [hostId, container.id, tail]);

  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <Modal title={`Logs — ${container.name}`} onClose={onClose} wide>
      <div className="mb-3 flex items-center gap-4 text-sm">
        <span data-testid="logs-state" className={`inline-flex items-center gap-1.5 ${state.live ? 'text-emerald-700' : 'text-slate-500'}`}>
          <span className={`h-2 w-2 rounded-full ${state.live ? 'animate-pulse bg-emerald-500' : 'bg-slate-300'}`} />
          {state.live ? 'following' : state.note}
        </span>
        <label className="flex items-center gap-2"><input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} /> Timestamps</label>
        <label className="flex items-center gap-2">Tail <Input aria-label="Tail" className="w-20!" value={tail} onChange={(e) => setTail(e.target.value)} placeholder="all" /></label>
        <span className="ml-auto text-xs text-slate-400">{lines.length} lines</span>
      </div>
      <pre ref={box} data-testid="log-lines" className="h-[28rem] overflow-auto rounded-lg bg-slate-950 p-4 font-mono text-xs leading-relaxed text-slate-100">
        {lines.map((l, i) => (
          <div key={i} className={l.stream === 'stderr' ? 'text-red-300' : undefined}>
            {timestamps && l.time && <span className="mr-2 text-slate-500">{l.time}</span>}
            {l.text}
          </div>
        ))}
      </pre>
    </Modal>
  );
}
