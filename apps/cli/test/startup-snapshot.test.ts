import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, repoRoot, type Result } from './helpers/cli.js';

// bin/drydock starts commands from the CLI's V8 startup snapshot (apps/cli/build.mjs).
// These check that the snapshot is made, used, and behaves as the ESM bundle does.
const dist = join(repoRoot, 'apps/cli/dist');
const sandbox = cliSandbox();

function viaSnapshot(args: string[]): Result {
  const r = spawnSync(process.execPath, ['--snapshot-blob', join(dist, 'drydock.blob'), '--', ...args], { env: sandbox.env, maxBuffer: 1 << 26 });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status ?? -1 };
}
function viaBundle(args: string[]): Result {
  const r = spawnSync(process.execPath, [join(dist, 'drydock.mjs'), ...args], { env: sandbox.env, maxBuffer: 1 << 26 });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status ?? -1 };
}

beforeAll(() => {
  expect(sandbox.run(['import', busyboxTar, 'busybox:latest']).status).toBe(0); // also builds dist/ if stale
  const ctx = join(sandbox.dir, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox:latest\nRUN echo built > /f\nCOPY a /a\n');
  writeFileSync(join(ctx, 'a'), 'a\n');
});
afterAll(() => sandbox.cleanup());

describe('the startup snapshot', () => {
  it('runs a command when the blob is named relative to the working directory', () => {
    const r = spawnSync(process.execPath, ['--snapshot-blob', 'drydock.blob', '--', 'images', '--format', '{{.Repository}}'], { cwd: dist, env: sandbox.env });
    expect({ status: r.status, stderr: r.stderr.toString(), stdout: r.stdout.toString() }).toEqual({ status: 0, stderr: '', stdout: 'busybox\n' });
  });

  it('is made for the Node binary that runs the tests, so bin/drydock uses it', () => {
    const node = statSync(process.execPath);
    expect(readFileSync(join(dist, 'drydock.blob.node'), 'utf8').trim()).toBe(`${node.size} ${Math.floor(node.mtimeMs / 1000)}`);
    expect(statSync(join(dist, 'drydock.blob')).size).toBeGreaterThan(1 << 20);
  });

  it('answers as the ESM bundle does: version, help, usage errors', () => {
    for (const args of [['--version'], ['images', '--help'], ['nope'], ['image', 'ls', '--bogus']]) {
      const a = viaSnapshot(args);
      const b = viaBundle(args);
      expect({ args, ...a }).toEqual({ args, ...b });
    }
    expect(viaSnapshot(['--version']).stdout).toMatch(/^Drydock version \d+\.\d+\.\d+\n$/);
  });

  it('starts commands without NODE_EXTRA_CA_CERTS but for the hub and the agent', () => {
    // Node warns when it cannot read the bundle: the warning tells whether the variable reached it.
    // (registry-tls.test.ts checks that pull, import and ADD still trust the bundle's CAs.)
    const env = { ...sandbox.env, NODE_EXTRA_CA_CERTS: join(sandbox.dir, 'no-such-bundle.pem') };
    const drydock = (args: string[]) => {
      const r = spawnSync(join(repoRoot, 'bin/drydock'), args, { env });
      return { args, warned: r.stderr.toString().includes('Ignoring extra certs from') };
    };
    const without = [['--version'], ['images', '-q'], ['image', 'ls'], ['ps', '-a'], ['container', 'ls'], ['volume', 'ls'], ['inspect', 'busybox:latest'], ['history', 'busybox:latest']];
    const handedOver = [['pull', '127.0.0.1:1/x:1'], ['image', 'pull', '127.0.0.1:1/x:1'], ['push', '127.0.0.1:1/x:1'], ['run', '--rm', '127.0.0.1:1/x:1'], ['import', 'https://127.0.0.1:1/rootfs.tar'], ['build', '-q', join(sandbox.dir, 'ctx')]];
    for (const args of [...without, ...handedOver]) expect(drydock(args)).toEqual({ args, warned: false });
    expect(drydock(['agent'])).toEqual({ args: ['agent'], warned: true }); // fails at once: no --hub
  });

  it('builds, then rebuilds from the cache, to the image the ESM bundle makes', () => {
    const ctx = join(sandbox.dir, 'ctx');
    const first = viaSnapshot(['build', '-q', '-t', 'snap:1', ctx]);
    expect(first.stderr).toBe('');
    const again = viaBundle(['build', '--progress=plain', '-t', 'snap:1', ctx]);
    expect(again.stdout + again.stderr).toMatch(/#\d+ CACHED/);
    expect(viaSnapshot(['build', '-q', '-t', 'snap:1', ctx]).stdout).toBe(first.stdout);
    expect(viaBundle(['inspect', '-f', '{{.Id}}', 'snap:1']).stdout).toBe(first.stdout);
  });

  it('takes clocks when a command runs, not when the snapshot was made', () => {
    expect(viaSnapshot(['run', '--name', 'clock', '--network', 'none', 'busybox:latest', 'echo', 'tick']).stdout).toBe('tick\n');
    const line = viaSnapshot(['logs', '-t', 'clock']).stdout.trim();
    const [time, text] = line.split(' ');
    expect(text).toBe('tick');
    expect(Math.abs(Date.parse(time!) - Date.now())).toBeLessThan(60_000);
    const created = viaSnapshot(['inspect', '-f', '{{.Created}}', 'snap:1']).stdout.trim();
    expect(Math.abs(Date.parse(created) - Date.now())).toBeLessThan(10 * 60_000);
  });
});
