import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readState } from '../../src/runtime/container.js';
import { hostInfo } from '../../src/runtime/host.js';
import { runForeground } from '../../src/runtime/shim.js';
import { BUSYBOX_TAR, bundleCliEntry, Capture, Harness, requireContainers, testRuntimes } from './helpers.js';

beforeAll(requireContainers);

const scratch = mkdtempSync(join(tmpdir(), 'drydock-rtw-'));
const dockerImage = `drydock-rt/busybox:${process.pid}`;
let cliEntry: string;
beforeAll(async () => {
  cliEntry = await bundleCliEntry(scratch);
  const imported = spawnSync('docker', ['import', BUSYBOX_TAR, dockerImage], { encoding: 'utf8' });
  if (imported.status !== 0) throw new Error(`docker import: ${imported.stderr}`);
});
afterAll(() => {
  spawnSync('docker', ['rmi', '-f', dockerImage]);
  rmSync(scratch, { recursive: true, force: true });
});

/** A command's stdout as bytes, its stdin at EOF (/dev/null); a failure, not a hang, if it never ends. */
function sh(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24, timeout: 60_000, killSignal: 'SIGKILL' });
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status ?? r.signal}: ${r.stderr.toString()} ${r.stdout.toString('latin1')}`);
  return r.stdout;
}

describe.each(testRuntimes(scratch))('foreground run with $name', ({ make }) => {
  let h: Harness;
  const netnsFiles: string[] = [];
  beforeAll(() => {
    h = new Harness(make);
  });
  afterEach(async () => {
    await h.reset();
    for (const f of netnsFiles.splice(0)) {
      spawnSync('umount', [f]);
      rmSync(f, { force: true });
    }
  });
  afterAll(async () => {
    await h.cleanup();
  });

  async function run(input: Parameters<Harness['container']>[0]) {
    const c = h.container(input);
    const stdout = new Capture();
    const stderr = new Capture();
    const state = await runForeground(c.config, { stdout, stderr });
    return { c, state, out: stdout.text(), err: stderr.text() };
  }

  it('passes stdout and stderr through, logs them and returns the exit code', async () => {
    const { c, state, out, err } = await run({ cmd: ['sh', '-c', 'echo hello; echo oops >&2; exit 3'] });
    expect(out).toBe('hello\n');
    expect(err).toBe('oops\n');
    expect(state).toMatchObject({ status: 'exited', exitCode: 3 });
    expect(state.startedAt).toBeTruthy();
    expect(state.finishedAt).toBeTruthy();
    expect(readState(c.dir)).toEqual(state);
    const entries = readFileSync(h.files(c).log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
    expect(entries.map((e) => `${e.stream}:${e.log}`).sort()).toEqual(['stderr:oops\n', 'stdout:hello\n']);
    for (const e of entries) expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // The runtime forgot the container.
    expect(await h.runtime.stateOrNull(c.id)).toBeNull();
  });

  it('reports 127 for a command that is not found, without the runtime text in the log', async () => {
    const { c, state, out, err } = await run({ cmd: ['nope-not-here'] });
    expect(state.exitCode).toBe(127);
    expect(state.error).toMatch(/not found/);
    expect(out + err).toBe('');
    expect(readFileSync(h.files(c).log, 'utf8')).toBe('');
  });

  it('reports 126 for a command that cannot be executed', async () => {
    const { state } = await run({ cmd: ['/etc/passwd'] });
    expect(state.exitCode).toBe(126);
  });

  it('resolves env, working directory and entrypoint like Docker', async () => {
    const { out, state } = await run({
      image: { Env: ['FOO=image', 'BAR=b', 'GONE=x'], WorkingDir: '/made/here', Entrypoint: ['sh', '-c'], Cmd: ['exit 9'] },
      cmd: ['pwd; echo "FOO=$FOO BAR=$BAR GONE=${GONE-unset} HOME=$HOME"; echo "$PATH"; echo "$HOSTNAME"'],
      env: ['FOO=user', 'GONE'],
      hostname: 'envhost',
    });
    expect(state.exitCode).toBe(0);
    expect(out.split('\n')).toEqual(['/made/here', 'FOO=user BAR=b GONE=unset HOME=/root', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'envhost', '']);
  });

  it('runs as the user named with -u (nobody is 65534)', async () => {
    const { out } = await run({ cmd: ['sh', '-c', 'id -u; id -g; grep CapEff /proc/self/status'], user: 'nobody' });
    expect(out.split('\n').slice(0, 3)).toEqual(['65534', '65534', 'CapEff:\t0000000000000000']);
    const root = await run({ cmd: ['sh', '-c', 'id -u; grep CapBnd /proc/self/status'] });
    // Docker's 14 default capabilities.
    expect(root.out).toBe('0\nCapBnd:\t00000000a80425fb\n');
    const numeric = await run({ cmd: ['id'], user: '1234:4321' });
    expect(numeric.out.trim()).toMatch(/^uid=1234 gid=4321/);
  });

  it('sets the hostname and mounts the /etc files the caller prepared', async () => {
    const hostsDir = mkdtempSync(join(scratch, 'etc-'));
    writeFileSync(join(hostsDir, 'hostname'), 'myhost\n');
    writeFileSync(join(hostsDir, 'hosts'), '127.0.0.1 localhost\n10.1.2.3 myhost\n');
    const { out } = await run({
      cmd: ['sh', '-c', 'hostname; cat /etc/hostname; grep myhost /etc/hosts'],
      hostname: 'myhost',
      files: { hostname: join(hostsDir, 'hostname'), hosts: join(hostsDir, 'hosts') },
    });
    expect(out).toBe('myhost\nmyhost\n10.1.2.3 myhost\n');
  });

  it('bind-mounts a host directory read-only', async () => {
    const src = mkdtempSync(join(scratch, 'bind-'));
    writeFileSync(join(src, 'file'), 'from host\n');
    const { out, state } = await run({ cmd: ['sh', '-c', 'cat /data/file; touch /data/new 2>&1; echo rc=$?'], binds: [`${src}:/data:ro`] });
    expect(state.exitCode).toBe(0);
    expect(out).toMatch(/^from host\n.*Read-only file system\nrc=1\n$/s);
    const rw = await run({ cmd: ['sh', '-c', 'echo written > /data/new'], binds: [`${src}:/data`] });
    expect(rw.state.exitCode).toBe(0);
    expect(readFileSync(join(src, 'new'), 'utf8')).toBe('written\n');
  });

  it('applies --memory and --cpus to the cgroup', async () => {
    const v2 = hostInfo().cgroupMode === 'unified';
    const cmd = v2 ? 'cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu.max' : 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us';
    const { out } = await run({ cmd: ['sh', '-c', cmd], memory: 64 * 1024 * 1024, cpus: 0.5 });
    expect(out).toBe(v2 ? '67108864\n50000 100000\n' : '67108864\n50000\n100000\n');
  });

  it('gives a new network namespace with only lo, up, by default, and joins one by path', async () => {
    // The runtime brings lo up in a namespace it makes (IFF_UP|IFF_LOOPBACK = 0x9): `--network none` relies on it.
    const none = await run({ cmd: ['sh', '-c', 'ls /sys/class/net; cat /sys/class/net/lo/flags'] });
    expect(none.out).toBe('lo\n0x9\n');
    const nsFile = join(scratch, `netns-${Date.now()}`);
    writeFileSync(nsFile, '');
    netnsFiles.push(nsFile);
    const made = spawnSync('unshare', [`--net=${nsFile}`, 'true']);
    expect(made.status).toBe(0);
    const joined = await run({ cmd: ['sh', '-c', 'stat -L -c %i /proc/self/ns/net'], network: { mode: 'path', path: nsFile } });
    expect(joined.out.trim()).toBe(String(statSync(nsFile).ino));
  });

  it('masks and protects the proc paths Docker does', async () => {
    const { out } = await run({ cmd: ['sh', '-c', 'wc -c < /proc/keys; echo 1 > /proc/sys/kernel/domainname 2>/dev/null; echo rc=$?'] });
    expect(out).toBe('0\nrc=1\n');
  });

  it('runs a tty through the pty relay with CRLF output and a 24x80 size', async () => {
    const { out, state } = await run({ cmd: ['sh', '-c', 'tty; stty size; echo "TERM=$TERM"; exit 4'], tty: true });
    expect(state.exitCode).toBe(4);
    expect(out).toContain('/dev/pts/0\r\n');
    expect(out).toContain('24 80\r\n');
    expect(out).toContain('TERM=xterm\r\n');
    const fail = await run({ cmd: ['nope-not-here'], tty: true });
    expect(fail.state.exitCode).toBe(127);
    expect(fail.out).toBe('');
  });

  it('relays a terminal byte for byte as docker run -it does', async () => {
    // Under `script` with stdin at EOF, the end-of-file `script` sends its pty turns into one NUL byte when the
    // relay makes that terminal raw: Docker passes it on once, and the container's terminal echoes it (`^@`).
    // A relay whose own pty echoed it too printed `^@^@`; one that flushed pending input printed nothing.
    const cmd = 'stty -icanon; dd bs=1 count=1 2>/dev/null | od -An -tx1; seq 1 2000';
    const c = h.container({ cmd: ['sh', '-c', cmd], tty: true });
    const ours = sh('script', ['-qec', `${process.execPath} ${cliEntry} foreground ${c.dir}`, '/dev/null']);
    const docker = sh('script', ['-qec', `docker run --rm -it --network none ${dockerImage} sh -c '${cmd}'`, '/dev/null']);
    expect(docker.toString('latin1').startsWith('^@ 00\r\n1\r\n2\r\n')).toBe(true);
    expect(ours.toString('latin1')).toBe(docker.toString('latin1'));
  });

  it('feeds stdin from a file descriptor with -i', async () => {
    const input = join(scratch, `stdin-${Date.now()}`);
    writeFileSync(input, 'one\ntwo\n');
    const fd = openSync(input, 'r');
    try {
      const c = h.container({ cmd: ['sh', '-c', 'wc -l'] });
      const stdout = new Capture();
      const state = await runForeground(c.config, { stdin: fd, stdout, stderr: new Capture() });
      expect(state.exitCode).toBe(0);
      expect(stdout.text().trim()).toBe('2');
    } finally {
      closeSync(fd);
    }
  });
});
