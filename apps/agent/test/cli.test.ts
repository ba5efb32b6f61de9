import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, expectCleanFailure, repoRoot } from '../../cli/test/helpers/cli.js';
import { AgentState } from '../src/state.js';
import { TestHub, until } from './helpers/test-hub.js';

const cli = cliSandbox();
let hub: TestHub;

beforeAll(async () => {
  hub = new TestHub();
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  cli.cleanup();
});

describe('drydock agent', () => {
  it('enrolls, reconnects with the stored token after a restart, and stops cleanly on SIGTERM', async () => {
    const runAgent = async (args: string[]) => {
      const child = spawn(join(repoRoot, 'bin/drydock'), ['agent', '--hub', hub.url, ...args], { env: cli.env });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const hellos = hub.hellos.length;
      await until(() => hub.hellos.length > hellos && hub.fullInventories > 0, 'the agent to say hello');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      return stderr;
    };
    const first = await runAgent(['--enroll-token', 'enroll-1']);
    expect(first).toContain(`drydock agent: connected to ${hub.url} as host host-1`);
    expect(hub.hellos.at(-1)!.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    // No token on the command line: the per-host token stored at enrollment is used.
    await runAgent([]);
    // DRYDOCK_ROOT is the agent's store, as for every other command.
    expect(hub.hellos.at(-1)!.facts.disk.path).toBe(cli.env.DRYDOCK_ROOT);
  });

  it.each([
    [['agent', '--hub', 'not-a-url', '--token', 't'], 'Error: invalid hub URL "not-a-url": expected http://HOST[:PORT]'],
    [['agent', '--hub', 'http://127.0.0.1:1', '--token', 't', '--enroll-token', 'e'], 'Error: give either a token or an enrollment token, not both'],
  ])('refuses bad input in one line: %j', (args, line) => {
    const r = cli.run(args);
    expect(expectCleanFailure(r)).toBe(line);
    expect(r.status).toBe(125);
  });

  it('says a fresh host is not enrolled', () => {
    const fresh = cliSandbox();
    try {
      const r = fresh.run(['agent', '--hub', 'http://127.0.0.1:1']);
      expect(expectCleanFailure(r)).toBe('Error: this host is not enrolled: pass --enroll-token (once) or --token');
    } finally {
      fresh.cleanup();
    }
  });

  it('exits with one line when the hub refuses the enrollment token for good', async () => {
    const refusing = new TestHub();
    refusing.refuseWith = { code: 'enroll-token-used', message: 'this enrollment token was already used' };
    await refusing.start();
    try {
      const fresh = cliSandbox();
      const r = await fresh.spawn(['agent', '--hub', refusing.url, '--enroll-token', 'spent']);
      fresh.cleanup();
      expect(r.status).toBe(1);
      expect(expectCleanFailure(r)).toBe('Error: the hub refused this agent: this enrollment token was already used');
    } finally {
      await refusing.stop();
    }
  });

  it('loses no log line when the agent is killed mid-build while the hub is down', async () => {
    expect(cli.run(['import', busyboxTar, 'busybox:latest']).status).toBe(0);
    const ctx = mkdtempSync(join(cli.dir, 'ctx-'));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN for i in $(seq 1 30); do echo line-$i; sleep 0.05; done\n');
    const tar = spawnSync('tar', ['-C', ctx, '-cf', '-', '.']).stdout;
    const env = { ...cli.env, DRYDOCK_AGENT_TOKEN: hub.hostToken };
    const spawnAgent = () => spawn(join(repoRoot, 'bin/drydock'), ['agent', '--hub', hub.url], { env, stdio: 'ignore' });

    const first = spawnAgent();
    const firstExit = new Promise((resolve) => first.on('close', resolve));
    await until(() => hub.connected, 'the agent');
    hub.beforeStore = (e) => (e.event.type === 'log' && e.event.text === 'line-3' ? 'crash' : 'store');
    hub.sendJob('killed-build', { kind: 'image.build', context: { kind: 'inline', data: new Uint8Array(tar) }, noCache: true });
    await until(() => hub.whenCrashed() !== undefined, 'the hub to crash at line-3');
    await hub.whenCrashed();
    hub.beforeStore = () => 'store';
    // While the hub is down the agent keeps the lines on disk; kill it once line-8 is there.
    const outbox = new AgentState(join(cli.env.DRYDOCK_ROOT, 'agent'));
    const texts = () => outbox.pending().flatMap((e) => (e.jobId === 'killed-build' && e.event.type === 'log' ? [e.event.text] : []));
    await until(() => texts().includes('line-8'), 'line-8 in the outbox');
    first.kill('SIGKILL');
    await firstExit;
    const onDisk = texts();
    outbox.close();

    await hub.start();
    const second = spawnAgent();
    const secondExit = new Promise((resolve) => second.on('close', resolve));
    await until(() => hub.finished('killed-build') !== undefined, 'the interrupted build');
    second.kill('SIGTERM');
    await secondExit;

    const events = hub.jobEvents('killed-build');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const logged = events.flatMap((e) => (e.event.type === 'log' ? [e.event.text] : []));
    expect(logged).toEqual(logged.map((_, i) => `line-${i + 1}`));
    expect(logged).toEqual(expect.arrayContaining(onDisk));
    expect(logged.length).toBeGreaterThanOrEqual(8);
    expect(events.at(-1)!.event).toMatchObject({ type: 'failed', code: 'interrupted' });
    expect(hub.problems).toEqual([]);
  });
});
