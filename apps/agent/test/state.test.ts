import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { AgentState } from '../src/state.js';

const dirs: string[] = [];
function fresh(): { dir: string; state: AgentState } {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-agent-state-'));
  dirs.push(dir);
  return { dir, state: new AgentState(dir) };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('numbers events per job, keeps them across reopenings until acked, and pages a long backlog in order', () => {
  const { dir, state } = fresh();
  expect(state.addJob('a', 'image.build')).toBe(true);
  expect(state.addJob('b', 'image.tag')).toBe(true);
  for (let i = 1; i <= 600; i++) {
    state.append('a', { type: 'log', step: 1, stream: 'stdout', text: `a-${i}` });
    state.append('b', { type: 'log', step: null, stream: 'stderr', text: `b-${i}` });
  }
  state.close();

  const again = new AgentState(dir);
  try {
    const pages = [...again.pendingPages(500)];
    expect(pages.map((p) => p.length)).toEqual([500, 500, 200]);
    const all = pages.flat();
    expect(all.filter((e) => e.jobId === 'a').map((e) => e.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(all[0]).toMatchObject({ jobId: 'a', seq: 1, event: { text: 'a-1' } });
    expect(all[1]).toMatchObject({ jobId: 'b', seq: 1, event: { text: 'b-1' } });

    again.ack('a', 590);
    again.ack('b', 600);
    expect(again.pending().map((e) => e.seq)).toEqual([591, 592, 593, 594, 595, 596, 597, 598, 599, 600]);
    // Numbering continues after acks; a final event finishes the job.
    expect(again.append('a', { type: 'done', durationMs: 5 }).seq).toBe(601);
    expect(again.unfinishedJobs()).toEqual(['b']);
    expect(again.addJob('a', 'image.build')).toBe(false);
  } finally {
    again.close();
  }
});

it('refuses events for a job it never accepted', () => {
  const { state } = fresh();
  try {
    expect(() => state.append('ghost', { type: 'started', kind: 'image.tag' })).toThrow('unknown job ghost');
  } finally {
    state.close();
  }
});
