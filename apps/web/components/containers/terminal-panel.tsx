'use client';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { uiSocket } from '../../lib/hooks';
import { closeSession, openSession, type JobMessage } from '../../lib/sessions';
import { Input } from '../ui';
import { Modal } from './modal';

/**
 * `docker exec -it` in xterm.js: keystrokes and size go to the hub over the
 * /ui socket, the hub relays them to the agent's pty and its output back.
 * Closing the panel hangs the session up.
 */
export function TerminalPanel({ hostId, container, onClose }: { hostId: string; container: { id: string; name: string }; onClose: () => void }) {
  const [command, setCommand] = useState('sh');
  const [started, setStarted] = useState<string>();
  return (
    <Modal title={`Terminal — ${container.name}`} onClose={onClose} wide>
      {started ? (
        <Session hostId={hostId} container={container.id} cmd={started.split(/\s+/).filter(Boolean)} />
      ) : (
        <form className="flex items-end gap-3" onSubmit={(e) => (e.preventDefault(), setStarted(command.trim() || 'sh'))}>
          <label className="block flex-1 text-sm">
            <span className="mb-1 block font-medium text-slate-700">Command</span>
            <Input aria-label="Exec command" className="font-mono" value={command} onChange={(e) => setCommand(e.target.value)} />
          </label>
          <button type="submit" className="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">Connect</button>
        </form>
      )}
    </Modal>
  );
}

function Session({ hostId, container, cmd }: { hostId: string; container: string; cmd: string[] }) {
  const el = useRef<HTMLDivElement>(null);
  const [note, setNote] = useState('connecting…');
  useEffect(() => {
    let disposed = false;
    let cleanup = () => {};
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
      if (disposed || !el.current) return;
      const term = new Terminal({ cursorBlink: true, fontSize: 13, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', theme: { background: '#020617' } });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(el.current);
      fit.fit();
      const socket = uiSocket();
      let jobId: string | undefined;
      const onOutput = (m: { jobId: string; data: ArrayBuffer }) => m.jobId === jobId && term.write(new Uint8Array(m.data));
      const onJob = (m: JobMessage) => {
        if (m.jobId !== jobId) return;
        if (m.event.type === 'done') setNote('session ended');
        if (m.event.type === 'failed') setNote(m.event.code === 'cancelled' ? 'session closed' : (m.event.message ?? 'failed'));
      };
      socket.on('exec:output', onOutput);
      socket.on('job', onJob);
      const input = term.onData((data) => jobId && socket.emit('exec:input', { jobId, data }));
      const resize = term.onResize(({ cols, rows }) => jobId && socket.emit('exec:resize', { jobId, cols, rows }));
      const onWindow = () => fit.fit();
      window.addEventListener('resize', onWindow);
      cleanup = () => {
        window.removeEventListener('resize', onWindow);
        socket.off('exec:output', onOutput);
        socket.off('job', onJob);
        input.dispose();
        resize.dispose();
        if (jobId) closeSession(jobId);
        term.dispose();
      };
      try {
        jobId = await openSession('exec:open', { hostId, container, cmd, cols: term.cols, rows: term.rows });
        if (disposed) return closeSession(jobId);
        setNote('connected');
        term.focus();
      } catch (e) {
        setNote((e as Error).message);
      }
    })();
    return () => {
      disposed = true;
      cleanup();
    };
  }, [hostId, container, cmd.join(' ')]);
  return (
    <div>
      <p data-testid="terminal-state" className="mb-2 text-xs text-slate-500">{note}</p>
      <div ref={el} data-testid="terminal" className="h-[26rem] rounded-lg bg-slate-950 p-2" />
    </div>
  );
}
