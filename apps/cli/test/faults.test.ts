import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/**
 * The container's shim, killed with -9: Docker's containerd then kills the container and reports 137. So do
 * we: the container dies with its shim, and the next command records 137 and frees what it held.
 */
describe('kill -9 of a detached container\'s shim', () => {
  const containerDir = (id: string) => join(root, 'containers', id);
  const pidOf = (file: string) => {
    const text = readFileSync(file, 'utf8').trim();
    return text.startsWith('{') ? (JSON.parse(text) as { pid: number }).pid : Number(text);
  };
  const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  /** Kills the shim; the container dies with it, before any command looks (its watcher kills it). */
  async function killShim(id: string): Promise<void> {
    const init = pidOf(join(containerDir(id), 'init.pid'));
    const shim = pidOf(join(containerDir(id), 'shim.pid'));
    expect(alive(init)).toBe(true);
    process.kill(shim, 'SIGKILL');
    while (alive(shim) || alive(init)) await new Promise((r) => setTimeout(r, 20));
  }
  const leftovers = (id: string) => ({
    mounts: mountsUnderRoot().filter((m) => m.includes(id)),
    netns: readdirSync('/run/netns').filter((n) => n.includes(id)),
    cgroups: [...readdirSync('/sys/fs/cgroup').map((c) => `/sys/fs/cgroup/${c}/drydock/${id}`), `/sys/fs/cgroup/drydock/${id}`].filter((p) => existsSync(p)),
  });
  const none = { mounts: [], netns: [], cgroups: [] };

  it('ps shows Exited (137), logs and wait work, rm frees mounts, network and cgroup', async () => {
    box.run(['import', busyboxTar, 'fault:1']);
    const id = box.run(['run', '-d', '--name', 'orphan', 'fault:1', 'sh', '-c', 'echo hello; exec sleep 300']).stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    while (box.run(['logs', 'orphan']).stdout === '') await new Promise((r) => setTimeout(r, 20));
    expect(leftovers(id).netns).toEqual([`drydock-${id}`]);
    await killShim(id);
    expect(box.run(['ps', '-a', '--format', '{{.Names}} {{.Status}}', '--filter', 'name=orphan']).stdout).toMatch(/^orphan Exited \(137\) /);
    expect(box.run(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}', 'orphan']).stdout).toBe('exited 137 0\n');
    expect(box.run(['logs', 'orphan']).stdout).toBe('hello\n');
    expect(box.run(['wait', 'orphan']).stdout).toBe('137\n');
    expect(leftovers(id)).toEqual({ ...none, mounts: [] });
    expect(box.run(['start', 'orphan']).status).toBe(0); // it can run again
    expect(box.run(['rm', '-f', 'orphan']).stdout).toBe('orphan\n');
    expect(leftovers(id)).toEqual(none);
  }, 60_000);

  it('stop records 137 and frees everything', async () => {
    const id = box.run(['run', '-d', '--name', 'orphan2', 'fault:1', 'sleep', '300']).stdout.trim();
    await killShim(id);
    expect(box.run(['stop', 'orphan2']).stdout).toBe('orphan2\n');
    expect(box.run(['ps', '-a', '--format', '{{.Status}}', '--filter', 'name=orphan2']).stdout).toMatch(/^Exited \(137\) /);
    expect(leftovers(id)).toEqual(none);
    expect(box.run(['rm', 'orphan2']).stdout).toBe('orphan2\n');
  }, 60_000);

  it('a wait under way when the shim dies returns 137', async () => {
    const id = box.run(['run', '-d', '--name', 'orphan4', 'fault:1', 'sleep', '300']).stdout.trim();
    const waiting = box.spawn(['wait', 'orphan4']);
    await killShim(id);
    // wait notices by itself (it watches the container's directory and the shim).
    expect((await waiting).stdout).toBe('137\n');
    expect(leftovers(id)).toEqual(none);
    expect(box.run(['rm', 'orphan4']).stdout).toBe('orphan4\n');
  }, 60_000);

  it('a --rm container whose shim died is removed by the next command', async () => {
    const id = box.run(['run', '-d', '--rm', '--name', 'orphan3', 'fault:1', 'sleep', '300']).stdout.trim();
    await killShim(id);
    expect(box.run(['ps', '-a', '--format', '{{.Names}}']).stdout).not.toContain('orphan3');
    expect(existsSync(containerDir(id))).toBe(false);
    expect(leftovers(id)).toEqual(none);
  }, 60_000);
});
