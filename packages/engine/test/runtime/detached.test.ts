import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inspectContainer, readShimPid, readState, shimAlive, stopContainer, waitForExit, type ContainerState } from '../../src/runtime/container.js';
import { hostInfo } from '../../src/runtime/host.js';
import { formatLogLine, readLogs, type LogLine } from '../../src/runtime/logs.js';
import { buildExecProcess } from '../../src/runtime/spec.js';
import { Harness, bundleCliEntry, requireContainers, testRuntimes, type TestContainer } from './helpers.js';

beforeAll(requireContainers);

const scratch = mkdtempSync(join(tmpdir(), 'drydock-rtd-'));
let cliEntry = '';
beforeAll(async () => {
  cliEntry = await bundleCliEntry(scratch);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `docker run -d` as a separate CLI process that exits once the container runs. */
function startDetached(c: TestContainer): { state: ContainerState; pid: number } {
  const res = spawnSync(process.execPath, [cliEntry, 'start', c.dir], { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`start failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as { state: ContainerState; pid: number };
}

function isZombie(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe.each(testRuntimes(scratch))('detached containers with $name', ({ make }) => {
  let h: Harness;
  beforeAll(() => {
    h = new Harness(make);
  });
  afterEach(async () => {
    await h.reset();
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('keeps running after the spawning process exits; logs and exit code are readable later', async () => {
    const c = h.container({ cmd: ['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.3; done; echo bye >&2; exit 5'] });
    const { state, pid } = startDetached(c);
    expect(state.status).toBe('running');
    expect(state.pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(shimAlive(c.dir)).toBe(true);
    expect(readShimPid(c.dir)?.pid).not.toBe(pid);
    expect((await inspectContainer(c.dir, h.runtime, c.id)).status).toBe('running');

    // A "later CLI": follow the log until the state file says exited.
    const lines = await collect(readLogs(h.files(c).log, { follow: true }));
    expect(lines.map((l) => `${l.stream}:${l.log}`)).toEqual(['stdout:line1\n', 'stdout:line2\n', 'stdout:line3\n', 'stderr:bye\n']);
    const final = await waitForExit(c.dir, 10_000);
    expect(final).toMatchObject({ status: 'exited', exitCode: 5 });
    expect((await inspectContainer(c.dir, h.runtime, c.id)).status).toBe('exited');
    // The shim recorded the end and left.
    await expect.poll(() => shimAlive(c.dir), { timeout: 5000 }).toBe(false);
    expect(existsSync(h.files(c).shimPid)).toBe(false);
    expect(await h.runtime.stateOrNull(c.id)).toBeNull();

    const tail = await collect(readLogs(h.files(c).log, { tail: 2, stderr: false }));
    expect(tail.map((l) => l.log)).toEqual(['line3\n']);
    const stamped = formatLogLine(lines[0] as LogLine, { timestamps: true });
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line1\n$/);
    const since = await collect(readLogs(h.files(c).log, { since: (lines[2] as LogLine).timeNs }));
    expect(since.map((l) => l.log)).toEqual(['line3\n', 'bye\n']);
  });

  it('records 127 when the command is not found, before spawnShim returns', async () => {
    const c = h.container({ cmd: ['no-such-command'] });
    const { state } = startDetached(c);
    expect(state).toMatchObject({ status: 'exited', exitCode: 127 });
    expect(state.error).toMatch(/no-such-command/);
    expect(readFileSync(h.files(c).log, 'utf8')).toBe('');
  });

  it('stops with SIGTERM when the process handles it', async () => {
    const c = h.container({ cmd: ['sh', '-c', 'trap "echo term; exit 7" TERM; echo ready; while true; do sleep 0.1; done'] });
    startDetached(c);
    const t0 = Date.now();
    const s = await stopContainer(c.dir, h.runtime, c.id, { timeoutSec: 10 });
    expect(s).toMatchObject({ status: 'exited', exitCode: 7 });
    expect(Date.now() - t0).toBeLessThan(5000);
    const logs = await collect(readLogs(h.files(c).log));
    expect(logs.map((l) => l.log)).toEqual(['ready\n', 'term\n']);
  });

  it('stops with SIGKILL after the timeout when SIGTERM is ignored (exit 137)', async () => {
    // As PID 1 in its namespace, sh ignores SIGTERM unless it traps it.
    const c = h.container({ cmd: ['sh', '-c', 'while true; do sleep 0.1; done'] });
    startDetached(c);
    const t0 = Date.now();
    const s = await stopContainer(c.dir, h.runtime, c.id, { timeoutSec: 1 });
    const took = Date.now() - t0;
    expect(s).toMatchObject({ status: 'exited', exitCode: 137 });
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(8000);
  });

  it('pauses and resumes with the freezer', async () => {
    const c = h.container({ cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done'] });
    startDetached(c);
    await h.runtime.pause(c.id);
    expect((await h.runtime.state(c.id)).status).toBe('paused');
    expect((await inspectContainer(c.dir, h.runtime, c.id)).status).toBe('paused');
    if (hostInfo().cgroupMode !== 'unified') {
      expect(readFileSync(`/sys/fs/cgroup/freezer/drydock/${c.id}/freezer.state`, 'utf8').trim()).toBe('FROZEN');
    }
    const before = readFileSync(h.files(c).log, 'utf8');
    await new Promise((r) => setTimeout(r, 400));
    expect(readFileSync(h.files(c).log, 'utf8')).toBe(before);
    await h.runtime.resume(c.id);
    expect((await h.runtime.state(c.id)).status).toBe('running');
    await expect.poll(() => readFileSync(h.files(c).log, 'utf8').length, { timeout: 5000 }).toBeGreaterThan(before.length);
    // Stopping a paused container works too.
    await h.runtime.pause(c.id);
    const s = await stopContainer(c.dir, h.runtime, c.id, { timeoutSec: 1 });
    expect(s.exitCode).toBe(137);
  });

  it('shows the memory limit in the container cgroup on the host', async () => {
    const c = h.container({ cmd: ['sleep', '30'], memory: 32 * 1024 * 1024 });
    startDetached(c);
    const path =
      hostInfo().cgroupMode === 'unified' ? `/sys/fs/cgroup/drydock/${c.id}/memory.max` : `/sys/fs/cgroup/memory/drydock/${c.id}/memory.limit_in_bytes`;
    expect(readFileSync(path, 'utf8').trim()).toBe(String(32 * 1024 * 1024));
    await stopContainer(c.dir, h.runtime, c.id, { timeoutSec: 0 });
    expect(existsSync(path)).toBe(false);
  });

  it('execs a second process into a running container', async () => {
    const c = h.container({ cmd: ['sleep', '30'], env: ['FROM_RUN=1'] });
    startDetached(c);
    const processFile = join(c.dir, 'exec-1.json');
    writeFileSync(processFile, JSON.stringify(buildExecProcess(c.spec, { cmd: ['sh', '-c', 'echo "$FROM_RUN $EXTRA $(id -u)"; exit 3'], env: ['EXTRA=x'], user: 'nobody' })));
    const outFile = join(c.dir, 'exec-1.out');
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(outFile, 'w');
    let code: number;
    try {
      code = await h.runtime.exec(c.id, processFile, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    expect(code).toBe(3);
    expect(readFileSync(outFile, 'utf8')).toBe('1 x 65534\n');
    await stopContainer(c.dir, h.runtime, c.id, { timeoutSec: 0 });
  });

  it('kills the container with its shim when the shim is killed, as containerd does', async () => {
    const c = h.container({ cmd: ['sh', '-c', 'while true; do sleep 0.1; done'] });
    const { state } = startDetached(c);
    const init = state.pid as number;
    expect(alive(init)).toBe(true);
    const shim = readShimPid(c.dir)?.pid as number;
    process.kill(shim, 'SIGKILL');
    // No command runs meanwhile: the shim's watcher sees it gone and kills the container.
    await expect.poll(() => alive(init) && !isZombie(init), { timeout: 10_000 }).toBe(false);
    await expect.poll(async () => (await inspectContainer(c.dir, h.runtime, c.id)).status, { timeout: 10_000 }).toBe('dead');
    expect(readState(c.dir)?.status).toBe('running'); // nobody recorded the end: the container layer reaps it (137)
  });

  it('runs a detached tty container (-dt) whose output is logged with CRLF', async () => {
    const c = h.container({ cmd: ['sh', '-c', 'echo hi; stty size; read -t 1 x; echo "read rc=$?"'], tty: true });
    const { state } = startDetached(c);
    expect(['running', 'exited']).toContain(state.status);
    const final = await waitForExit(c.dir, 10_000);
    expect(final?.exitCode).toBe(0);
    const text = (await collect(readLogs(h.files(c).log))).map((l) => l.log).join('');
    // No input arrives on a detached tty: the read times out (rc 1) instead of seeing EOF (rc 1 too, but at once).
    expect(text).toBe('hi\r\n24 80\r\nread rc=1\r\n');
    expect(readState(c.dir)?.exitCode).toBe(0);
  });
});
