import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, expectCleanFailure, repoRoot } from '../../cli/test/helpers/cli.js';
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
});
