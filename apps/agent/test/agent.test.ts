import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '@drydock/engine';
import { startAgent, type Agent } from '../src/index.js';
import { AgentState } from '../src/state.js';
import { busyboxTar, cliSandbox } from '../../cli/test/helpers/cli.js';
import { TestHub, until } from './helpers/test-hub.js';

const cli = cliSandbox();
const root = cli.env.DRYDOCK_ROOT;
let hub: TestHub;
let agent: Agent | undefined;
let busyboxId = '';

function contextTar(dockerfile: string): Uint8Array {
  const dir = mkdtempSync(join(cli.dir, 'ctx-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  const r = spawnSync('tar', ['-C', dir, '-cf', '-', '.']);
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

function start(opts: { enrollToken?: string; token?: string; stateDir?: string } = {}): Agent {
  agent = startAgent({ hubUrl: hub.url, root, pollMs: 100, inventoryMs: 1000, ...opts });
  return agent;
}

beforeAll(async () => {
  const r = cli.run(['import', busyboxTar, 'busybox:latest']);
  expect(r.stderr).toBe('');
  busyboxId = r.stdout.trim();
  hub = new TestHub();
  await hub.start();
});

afterEach(async () => {
  await agent?.close();
  agent = undefined;
  expect(hub.problems).toEqual([]);
});

afterAll(async () => {
  await hub.stop();
  cli.cleanup();
});

describe('agent', () => {
  it('enrolls with a one-time token, keeps the per-host token, and reports facts and inventory', async () => {
    const a = start({ enrollToken: 'enroll-1' });
    await until(() => a.ready && hub.fullInventories === 1, 'the first inventory');
    expect(a.hostId).toBe('host-1');
    const hello = hub.hellos.at(-1)!;
    expect(hello.facts.disk.path).toBe(root);
    expect(hello.facts.disk.totalBytes).toBeGreaterThan(0);
    expect(hello.facts.cpus).toBeGreaterThan(0);
    expect(hello.facts.runtime?.name).toMatch(/^(crun|runc)$/);
    expect([...hub.images.values()].find((i) => i.id === busyboxId)?.repoTags).toEqual(['busybox:latest']);
    await a.close();
    expect(hub.enrollTokens.has('enroll-1')).toBe(false);

    // The enrollment token is spent: a restart connects with the stored per-host token.
    const again = start();
    await until(() => again.ready, 'a reconnect with the stored token');
    expect(hub.hellos.length).toBe(2);
  });

  it('streams a build and loses no log line when the hub dies mid-build', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready, 'connection');
    const hellos = hub.hellos.length;
    hub.beforeStore = (e) => (e.event.type === 'log' && e.event.text === 'line-5' ? 'crash' : 'store');
    const lines = Array.from({ length: 40 }, (_, i) => `line-${i + 1}`);
    hub.sendJob('build-1', {
      kind: 'image.build',
      context: { kind: 'inline', data: contextTar(`FROM busybox\nRUN for i in $(seq 1 40); do echo line-$i; sleep 0.05; done\n`) },
      tags: ['built:1'],
      noCache: true,
    });
    await until(() => hub.whenCrashed() !== undefined, 'the hub to crash at line-5');
    await hub.whenCrashed();
    hub.beforeStore = () => 'store';
    await hub.start(); // same port: the agent reconnects by itself
    await until(() => hub.finished('build-1') !== undefined, 'the build to finish');

    const events = hub.jobEvents('build-1');
    expect(hub.hellos.length).toBe(hellos + 1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const logged = events.flatMap((e) => (e.event.type === 'log' ? [e.event.text] : []));
    expect(logged).toEqual(lines);
    const types = events.map((e) => e.event.type);
    expect(types[0]).toBe('started');
    expect(types.filter((t) => t === 'step')).toHaveLength(2);
    expect(types.slice(-2)).toEqual(['result', 'done']);
    const result = events.at(-2)!.event;
    const engine = Engine.open({ root });
    try {
      expect(result).toEqual({ type: 'result', result: { imageId: engine.resolve('built:1') } });
    } finally {
      engine.close();
    }
    // Everything acknowledged: the outbox on disk is empty.
    const state = new AgentState(join(root, 'agent'));
    try {
      await until(() => state.pending().length === 0, 'the outbox to drain');
    } finally {
      state.close();
    }
    // The built image reaches the inventory as a delta.
    await until(() => [...hub.images.values()].some((i) => i.repoTags.includes('built:1')), 'the built image in the inventory');
  });

  it('ships a CLI tag on the same root as a journal entry within two seconds', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready && hub.fullInventories > 0, 'connection');
    const r = cli.run(['tag', 'busybox', 'cli-tagged:7']);
    expect(r.status).toBe(0);
    const tagged = Date.now();
    await until(() => hub.journal.some((e) => e.action === 'image.tag' && e.target === 'cli-tagged:7'), 'the journal entry', 2000);
    const entry = hub.journal.find((e) => e.target === 'cli-tagged:7')!;
    expect(entry.actor).toMatch(/^os:/);
    expect(entry.digest).toBe(busyboxId);
    expect(Date.now() - tagged).toBeLessThan(2000);
    // Seqs stay contiguous across the agent's restarts (the hub's cursor decides what is sent).
    expect(hub.journal.map((e) => e.seq)).toEqual(hub.journal.map((_, i) => i + 1));
  });

  it('sends inventory deltas after an rm, by the CLI or by a job', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready && hub.fullInventories > 0, 'connection');
    cli.run(['tag', 'busybox', 'doomed:1']);
    await until(() => [...hub.images.values()].some((i) => i.repoTags.includes('doomed:1')), 'the new tag');
    const deltas = hub.deltas;
    expect(cli.run(['rmi', 'doomed:1']).stdout).toBe('Untagged: doomed:1\n');
    await until(() => ![...hub.images.values()].some((i) => i.repoTags.includes('doomed:1')), 'the untag delta');
    expect(hub.deltas).toBeGreaterThan(deltas);

    const builtId = [...hub.images.values()].find((i) => i.repoTags.includes('built:1'))!.id;
    hub.sendJob('rm-1', { kind: 'image.rm', ref: 'built:1' });
    await until(() => hub.finished('rm-1') !== undefined, 'the rm job');
    expect(hub.finished('rm-1')!.event.type).toBe('done');
    await until(() => !hub.images.has(builtId), 'the image removed from the inventory');
    const rm = hub.jobEvents('rm-1').find((e) => e.event.type === 'result')!.event;
    expect(rm).toMatchObject({ result: { removed: expect.arrayContaining([{ untagged: 'built:1' }, { deleted: builtId }]) } });
    expect(hub.journal.some((e) => e.action === 'image.rm' && e.actor === 'user:test@example.com')).toBe(true);
  });

  it('runs a re-sent job once and reports failures as failed events', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready, 'connection');
    hub.sendJob('tag-1', { kind: 'image.tag', source: 'busybox', target: 'once:1' });
    await until(() => hub.finished('tag-1') !== undefined, 'the tag job');
    hub.sendJob('tag-1', { kind: 'image.tag', source: 'busybox', target: 'twice:1' });
    hub.sendJob('bad-1', { kind: 'image.tag', source: 'no-such-image', target: 'x:1' });
    hub.sendJob('pull-1', { kind: 'image.pull', ref: 'busybox' });
    await until(() => hub.finished('bad-1') !== undefined && hub.finished('pull-1') !== undefined, 'the failing jobs');
    expect(hub.jobEvents('tag-1').map((e) => e.event.type)).toEqual(['started', 'result', 'done']);
    expect(hub.finished('bad-1')!.event).toMatchObject({ type: 'failed', code: 'not-found' });
    expect(hub.finished('pull-1')!.event).toMatchObject({ type: 'failed', code: 'unsupported' });
    const engine = Engine.open({ root });
    try {
      expect(engine.resolve('once:1')).toBe(busyboxId);
      expect(() => engine.resolve('twice:1')).toThrow();
    } finally {
      engine.close();
    }
  });

  it('ends a job a killed agent left running as failed, after the events it had kept', async () => {
    const stateDir = join(cli.dir, 'killed-agent');
    mkdirSync(stateDir);
    const dead = new AgentState(stateDir);
    dead.addJob('build-killed', 'image.build');
    dead.append('build-killed', { type: 'started', kind: 'image.build' });
    dead.append('build-killed', { type: 'log', step: 2, stream: 'stdout', text: 'before the kill' });
    dead.close();
    const a = start({ token: hub.hostToken, stateDir });
    await until(() => a.ready && hub.finished('build-killed') !== undefined, 'the interrupted job');
    expect(hub.jobEvents('build-killed').map((e) => [e.seq, e.event.type])).toEqual([
      [1, 'started'],
      [2, 'log'],
      [3, 'failed'],
    ]);
    expect(hub.finished('build-killed')!.event).toMatchObject({ code: 'interrupted' });
  });
});
