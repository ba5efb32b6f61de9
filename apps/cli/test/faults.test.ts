import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, repoRoot } from './helpers/cli.js';

/** The CLI killed with -9 mid-operation: nothing half-made stays visible, and the next command tidies up. */
const box = cliSandbox();
const root = box.env.DRYDOCK_ROOT;
afterAll(() => {
  for (const c of box.run(['ps', '-a', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean)) box.run(['rm', '-f', c]);
  box.cleanup();
});

function mountsUnderRoot(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(root));
}

/** Starts the CLI and SIGKILLs it after `ms`. */
function killedAfter(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(join(repoRoot, 'bin/drydock'), args, { env: box.env, stdio: 'ignore' });
    setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', () => resolve());
  });
}

describe('kill -9 during run -d and commit', () => {
  it('leaves no mounts or network namespaces once the containers are removed', async () => {
    expect(box.run(['import', busyboxTar, 'fault:1']).status).toBe(0);
    for (const ms of [50, 150, 300, 600]) await killedAfter(['run', '-d', 'fault:1', 'sleep', '30'], ms);
    const ps = box.run(['ps', '-a', '-q', '--no-trunc']);
    expect(ps.status).toBe(0);
    for (const id of ps.stdout.split('\n').filter(Boolean)) expect(box.run(['rm', '-f', id]).status).toBe(0);
    expect(mountsUnderRoot()).toEqual([]);
    const netns = readdirSync('/run/netns', { withFileTypes: true }).map((d) => d.name);
    for (const id of ps.stdout.split('\n').filter(Boolean)) expect(netns).not.toContain(`drydock-${id}`);
  }, 120_000);

  it('never shows a half-committed image, and cleans the staging area', async () => {
    box.run(['run', '--name', 'big', '--network', 'none', 'fault:1', 'sh', '-c', 'dd if=/dev/urandom of=/blob bs=1M count=64 2>/dev/null']);
    await killedAfter(['commit', 'big', 'half:1'], 400);
    const images = box.run(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout;
    if (images.includes('half:1')) {
      // The commit finished before the kill: then it must be whole.
      expect(box.run(['run', '--rm', '--network', 'none', 'half:1', 'sh', '-c', 'wc -c < /blob']).stdout.trim()).toBe(String(64 << 20));
    }
    expect(box.run(['images']).status).toBe(0);
    expect(readdirSync(join(root, 'ingest'))).toEqual([]);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    const id = box.run(['commit', 'big', 'whole:1']).stdout.trim();
    expect(id).toMatch(/^sha256:/);
  }, 120_000);
});
