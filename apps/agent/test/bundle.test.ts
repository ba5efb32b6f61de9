import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { busyboxTar, repoRoot } from '../../cli/test/helpers/cli.js';
import { TestHub, until } from './helpers/test-hub.js';

// The one file issue 7 uploads to a remote host: run from a directory with no node_modules.
const dir = mkdtempSync(join(tmpdir(), 'drydock-bundle-'));
const root = join(dir, 'root');
let hub: TestHub;

beforeAll(async () => {
  const built = execFileSync(process.execPath, [join(repoRoot, 'apps/agent/build.mjs')], { encoding: 'utf8' }).trim();
  copyFileSync(built, join(dir, 'drydock.mjs'));
  hub = new TestHub();
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('the single-file bundle runs the CLI and the agent with nothing else installed', async () => {
  const env = { ...process.env, DRYDOCK_ROOT: root };
  const id = execFileSync(process.execPath, ['drydock.mjs', 'import', busyboxTar, 'busybox:latest'], { cwd: dir, env, encoding: 'utf8' }).trim();
  expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
  // better-sqlite3's addon, embedded in the bundle, was unpacked beside it.
  expect(readdirSync(join(dir, '.drydock-native'))).toEqual([expect.stringMatching(/^better_sqlite3-.+\.node$/)]);

  const child = spawn(process.execPath, ['drydock.mjs', 'agent', '--hub', hub.url, '--enroll-token', 'enroll-1'], { cwd: dir, env });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await until(() => hub.connected && hub.fullInventories > 0, 'the bundled agent to connect');
  expect([...hub.images.keys()]).toEqual([id]);
  hub.sendJob('bundle-tag', { kind: 'image.tag', source: 'busybox', target: 'from-hub:1' });
  await until(() => hub.finished('bundle-tag') !== undefined, 'the job');
  expect(hub.finished('bundle-tag')!.event.type).toBe('done');
  await until(() => hub.journal.some((e) => e.target === 'from-hub:1'), 'its journal entry');
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(existsSync(join(root, 'agent', 'agent.db'))).toBe(true);
  expect(hub.problems).toEqual([]);
});
