import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDrydockError } from '../../src/errors.js';
import { DEFAULT_CAPABILITIES } from '../../src/runtime/defaults.js';
import type { HostInfo } from '../../src/runtime/host.js';
import { toOciSeccomp } from '../../src/runtime/seccomp.js';
import { buildExecProcess, buildSpec, capabilities, containerEnv, processArgs, type SpecInput } from '../../src/runtime/spec.js';
import { ensureWorkingDir, readConfined, resolveUser } from '../../src/runtime/user.js';
import { parseBind, parseVolumeSpec } from '../../src/runtime/volumes.js';

const host: HostInfo = { cgroupMode: 'hybrid', v2Controllers: ['hugetlb'], swapAccounting: true, nofileHard: 20000, canRaiseRlimits: false, kernel: [6, 1], goArch: 'amd64' };

let root = '';
let outside = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'drydock-spec-'));
  outside = mkdtempSync(join(tmpdir(), 'drydock-outside-'));
  mkdirSync(join(root, 'etc'));
  writeFileSync(
    join(root, 'etc/passwd'),
    ['root:x:0:0:root:/root:/bin/sh', 'app:x:1000:1001:app:/home/app:/bin/sh', 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false', '# comment', ''].join('\n'),
  );
  writeFileSync(join(root, 'etc/group'), ['root:x:0:root', 'wheel:x:10:root,app', 'app:x:1001:', 'audio:x:29:app', 'nogroup:x:65534:'].join('\n'));
  writeFileSync(join(outside, 'passwd'), 'evil:x:0:0::/:/bin/sh\n');
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function spec(input: Partial<SpecInput>) {
  return buildSpec({ id: 'c1', rootfs: root, hostname: 'c1host', host, seccomp: 'unconfined', cmd: ['sh'], ...input });
}

describe('processArgs', () => {
  const image = { Entrypoint: ['/ep'], Cmd: ['default'] };
  it('joins Entrypoint and Cmd; a command replaces Cmd', () => {
    expect(processArgs(image, undefined, undefined)).toEqual(['/ep', 'default']);
    expect(processArgs(image, ['mine'], undefined)).toEqual(['/ep', 'mine']);
  });
  it('--entrypoint drops the image Cmd; --entrypoint "" keeps it', () => {
    expect(processArgs(image, undefined, ['/other'])).toEqual(['/other']);
    expect(processArgs(image, ['x'], ['/other'])).toEqual(['/other', 'x']);
    expect(processArgs(image, undefined, [])).toEqual(['default']);
  });
  it('refuses an empty command', () => {
    expect(() => processArgs({}, [], undefined)).toThrow(/no command specified/);
  });
});

describe('containerEnv', () => {
  it('puts PATH, HOSTNAME and TERM first; -e wins; a bare name unsets', () => {
    expect(containerEnv(['A=image', 'B=b', 'C=c'], ['A=user', 'C', 'D=d'], 'h', true)).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=h',
      'TERM=xterm',
      'A=user',
      'D=d',
      'B=b',
    ]);
  });
  it("keeps the image's PATH in PATH's place", () => {
    expect(containerEnv(['PATH=/bin'], [], 'h', false)).toEqual(['PATH=/bin', 'HOSTNAME=h']);
  });
});

describe('resolveUser', () => {
  it('resolves names, numbers and groups like moby/sys/user', () => {
    expect(resolveUser(root, '')).toEqual({ uid: 0, gid: 0, additionalGids: [0, 10], home: '/root', name: 'root' });
    expect(resolveUser(root, 'app')).toEqual({ uid: 1000, gid: 1001, additionalGids: [10, 29], home: '/home/app', name: 'app' });
    expect(resolveUser(root, '1000')).toMatchObject({ uid: 1000, gid: 1001, name: 'app' });
    expect(resolveUser(root, 'nobody')).toMatchObject({ uid: 65534, gid: 65534, additionalGids: [] });
    expect(resolveUser(root, 'app:audio')).toMatchObject({ uid: 1000, gid: 29, additionalGids: [] });
    expect(resolveUser(root, '4242:777')).toEqual({ uid: 4242, gid: 777, additionalGids: [], home: '/' });
    expect(resolveUser(root, 'app', ['audio', '555'])).toMatchObject({ additionalGids: [10, 29, 29, 555] });
  });
  it('fails for unknown names', () => {
    expect(() => resolveUser(root, 'ghost')).toThrow(/unable to find user ghost/);
    expect(() => resolveUser(root, 'app:ghosts')).toThrow(/unable to find group ghosts/);
    try {
      resolveUser(root, 'ghost');
    } catch (err) {
      expect(isDrydockError(err, 'not-found')).toBe(true);
    }
  });
  it('reads files confined to the rootfs, whatever the symlinks say', () => {
    const r = mkdtempSync(join(tmpdir(), 'drydock-conf-'));
    try {
      mkdirSync(join(r, 'etc'));
      symlinkSync(join(outside, 'passwd'), join(r, 'etc/passwd')); // absolute: resolves inside r
      symlinkSync('../../../../../../../../..' + outside + '/passwd', join(r, 'etc/group'));
      expect(readConfined(r, '/etc/passwd')).toBeNull();
      expect(readConfined(r, '/etc/group')).toBeNull();
      expect(() => resolveUser(r, 'evil')).toThrow(/unable to find user/);
    } finally {
      rmSync(r, { recursive: true, force: true });
    }
  });
  it('creates a missing working directory inside the rootfs, owned by the user', () => {
    const r = mkdtempSync(join(tmpdir(), 'drydock-wd-'));
    try {
      symlinkSync('/srv/real', join(r, 'link'));
      ensureWorkingDir(r, '/link/sub', { uid: 1000, gid: 1001 });
      expect(lstatSync(join(r, 'link')).isSymbolicLink()).toBe(true);
      const st = statSync(join(r, 'srv/real/sub'));
      expect(st.isDirectory()).toBe(true);
      expect([st.uid, st.gid]).toEqual([1000, 1001]);
      expect(existsSync('/srv/real/sub')).toBe(false);
    } finally {
      rmSync(r, { recursive: true, force: true });
    }
  });
});

describe('capabilities', () => {
  it("starts from Docker's 14, adds and drops", () => {
    expect(capabilities()).toEqual(DEFAULT_CAPABILITIES);
    const c = capabilities(['sys_admin', 'CAP_NET_ADMIN'], ['MKNOD']);
    expect(c).toContain('CAP_SYS_ADMIN');
    expect(c).toContain('CAP_NET_ADMIN');
    expect(c).not.toContain('CAP_MKNOD');
    expect(capabilities(['CHOWN'], ['ALL'])).toEqual(['CAP_CHOWN']);
    expect(capabilities(['ALL']).length).toBe(41);
    expect(() => capabilities(['BOGUS'])).toThrow(/unknown capability/);
  });
});

describe('parseBind', () => {
  it('parses host:container[:mode]', () => {
    expect(parseBind('/a:/b')).toEqual({ source: '/a', destination: '/b', readonly: false });
    expect(parseBind('/a/:/b/c/:ro,rshared')).toEqual({ source: '/a', destination: '/b/c', readonly: true, propagation: 'rshared' });
    expect(parseBind('/a:/b:z,rw')).toMatchObject({ readonly: false });
  });
  it('rejects bad specs and leaves volumes to the volume layer', () => {
    expect(() => parseBind('/a:relative')).toThrow(/must be absolute/);
    expect(() => parseBind('/a:/')).toThrow(/can't be '\/'/);
    expect(() => parseBind('/a:/b:ro,rw')).toThrow(/invalid mode/);
    expect(() => parseBind('/a:/b:bogus')).toThrow(/invalid mode/);
    expect(() => parseBind('myvol:/data')).toThrow(expect.objectContaining({ code: 'unsupported' }));
  });
});

describe('parseVolumeSpec', () => {
  it.each([
    ['/a:/b:ro', { kind: 'bind', bind: { source: '/a', destination: '/b', readonly: true }, mode: 'ro' }],
    ['data:/d', { kind: 'volume', name: 'data', destination: '/d', readonly: false, mode: 'z', nocopy: false }],
    ['data:/d/:ro,nocopy', { kind: 'volume', name: 'data', destination: '/d', readonly: true, mode: 'ro,nocopy', nocopy: true }],
    ['/anon/', { kind: 'anonymous', destination: '/anon' }],
  ])('reads %s as Docker does', (spec, expected) => {
    expect(parseVolumeSpec(spec)).toEqual(expected);
  });
  it.each(['relative', '/a:/b:nocopy', 'data:rel', 'a:b:c:d', ':/x', '/'])('refuses %s', (spec) => {
    expect(() => parseVolumeSpec(spec)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });
});

describe('buildSpec', () => {
  it("has Docker's namespaces, mounts, masks, rlimits and capabilities", () => {
    const s = spec({ user: 'app' });
    expect(s.linux.namespaces.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'network']);
    expect(s.mounts.map((m) => m.destination)).toEqual(['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm']);
    expect(s.mounts.find((m) => m.destination === '/dev/shm')?.options).toContain('size=67108864');
    expect(s.linux.maskedPaths).toContain('/proc/kcore');
    expect(s.linux.readonlyPaths).toContain('/proc/sysrq-trigger');
    expect(s.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 1024 }]);
    expect(s.process.noNewPrivileges).toBe(false);
    // A non-root user keeps only the bounding set.
    expect(s.process.capabilities.bounding).toEqual(DEFAULT_CAPABILITIES);
    expect(s.process.capabilities.effective).toEqual([]);
    expect(s.process.user).toEqual({ uid: 1000, gid: 1001, additionalGids: [10, 29] });
    expect(s.linux.cgroupsPath).toBe('/drydock/c1');
    expect(s.linux.sysctl).toMatchObject({ 'net.ipv4.ip_unprivileged_port_start': '0' });
    expect(s.process.terminal).toBe(false);
    expect(s.process.consoleSize).toBeUndefined();
  });
  it('maps network modes', () => {
    expect(spec({ network: { mode: 'host' } }).linux.namespaces.map((n) => n.type)).not.toContain('network');
    expect(spec({ network: { mode: 'host' } }).linux.sysctl).toBeUndefined();
    expect(spec({ network: { mode: 'path', path: '/run/netns/x' } }).linux.namespaces).toContainEqual({ type: 'network', path: '/run/netns/x' });
    expect(spec({}, ).linux.namespaces.map((n) => n.type)).not.toContain('cgroup');
    expect(buildSpec({ id: 'c', rootfs: root, hostname: 'h', host: { ...host, cgroupMode: 'unified' }, seccomp: 'unconfined', cmd: ['sh'] }).linux.namespaces.map((n) => n.type)).toContain('cgroup');
  });
  it('sets memory (swap twice as Docker), cpus and pids; validates them', () => {
    const s = spec({ memory: 64 << 20, cpus: 1.5, pidsLimit: 100 });
    expect(s.linux.resources.memory).toEqual({ limit: 64 << 20, swap: 128 << 20 });
    expect(s.linux.resources.cpu).toEqual({ quota: 150000, period: 100000 });
    expect(s.linux.resources.pids).toEqual({ limit: 100 });
    expect(spec({ memory: 64 << 20, host: { ...host, swapAccounting: false } }).linux.resources.memory).toEqual({ limit: 64 << 20 });
    expect(() => spec({ memory: 1 << 20 })).toThrow(/6MB/);
    expect(() => spec({ cpus: 100000 })).toThrow(/range of CPUs/);
  });
  it('orders user mounts after the defaults, parents first, replacing defaults', () => {
    const s = spec({
      binds: ['/h/a:/data/sub:ro', '/h/b:/data'],
      mounts: [{ destination: '/dev/shm', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }],
      files: { hosts: '/f/hosts', resolvConf: '/f/resolv.conf', hostname: '/f/hostname' },
    });
    const dests = s.mounts.map((m) => m.destination);
    expect(dests.filter((d) => d === '/dev/shm')).toHaveLength(1);
    expect(dests.slice(-6)).toEqual(['/data', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts', '/data/sub', '/dev/shm']);
    expect(s.mounts.find((m) => m.destination === '/data/sub')).toEqual({ destination: '/data/sub', type: 'bind', source: '/h/a', options: ['rbind', 'ro', 'rprivate'] });
  });
  it('gives a tty a console size and TERM', () => {
    const s = spec({ tty: true });
    expect(s.process.consoleSize).toEqual({ height: 24, width: 80 });
    expect(s.process.env).toContain('TERM=xterm');
  });
  it('derives an exec process from the container', () => {
    const s = spec({ env: ['A=1'], workdir: '/w' });
    const p = buildExecProcess(s, { cmd: ['ls'], env: ['B=2', 'A=3'], tty: true });
    expect(p.args).toEqual(['ls']);
    expect(p.env).toEqual(expect.arrayContaining(['A=3', 'B=2', 'TERM=xterm']));
    expect(p.cwd).toBe('/w');
    expect(p.terminal).toBe(true);
    expect(buildExecProcess(s, { cmd: ['id'], user: 'nobody' }).user).toEqual({ uid: 65534, gid: 65534 });
  });
});

describe('seccomp conversion', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', comment: 'x', includes: {}, excludes: {} },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
      { names: ['arm_fadvise64_64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
      { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['new_one'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.5' } },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
    ],
  };
  it('keeps the rules that apply to the host and the capability set', () => {
    const s = toOciSeccomp(profile, DEFAULT_CAPABILITIES, { goArch: 'amd64', kernel: [6, 1] });
    expect(s.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.defaultErrnoRet).toBe(38);
    expect(s.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(s.syscalls).toEqual([
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW' },
      { names: ['chroot'], action: 'SCMP_ACT_ALLOW' },
      { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    ]);
    const admin = toOciSeccomp(profile, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], { goArch: 'arm64', kernel: [6, 8] });
    expect(admin.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(admin.syscalls?.map((r) => r.names[0])).toEqual(['read', 'arm_fadvise64_64', 'chroot', 'bpf', 'new_one', 'personality']);
  });
  it("converts containers-common's profile when installed", () => {
    if (!existsSync('/usr/share/containers/seccomp.json')) return;
    const s = buildSpec({ id: 'c', rootfs: root, hostname: 'h', host, cmd: ['sh'] }).linux.seccomp;
    expect(s?.defaultAction).toBe('SCMP_ACT_ERRNO');
    const allowed = new Set(s?.syscalls?.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
    expect(allowed.has('read')).toBe(true);
    expect(allowed.has('chroot')).toBe(true); // CAP_SYS_CHROOT is a default capability
    expect(allowed.has('bpf')).toBe(false);
    expect(allowed.has('kexec_load')).toBe(false);
  });
});
