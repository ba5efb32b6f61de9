import { renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
import { DrydockError } from '../errors.js';
import type { ContainerConfig } from '../image/config.js';
import {
  ALL_CAPABILITIES, CPU_PERIOD, DEFAULT_CAPABILITIES, DEFAULT_NOFILE, DEFAULT_PATH, DEFAULT_SHM_SIZE, MASKED_PATHS, MIN_MEMORY,
  READONLY_PATHS, defaultDeviceRules, defaultMounts, type OciDeviceRule, type OciMount,
} from './defaults.js';
import { hostInfo, type HostInfo } from './host.js';
import { DEFAULT_SECCOMP_PROFILE, loadSeccompProfile, toOciSeccomp, type OciSeccomp } from './seccomp.js';
import { ensureWorkingDir, resolveUser, type ExecUser } from './user.js';
import { bindToOci, ensureBindSources, parseBind, type BindMount } from './volumes.js';

export type { OciMount } from './defaults.js';

/** The parts of the OCI runtime spec (config.json) the engine writes. */
export interface OciProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: Array<{ type: string; hard: number; soft: number }>;
  noNewPrivileges: boolean;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  domainname?: string;
  mounts: OciMount[];
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    maskedPaths: string[];
    readonlyPaths: string[];
    cgroupsPath: string;
    resources: {
      devices: OciDeviceRule[];
      memory?: { limit: number; swap?: number };
      cpu?: { quota: number; period: number };
      pids?: { limit: number };
    };
    sysctl?: Record<string, string>;
    seccomp?: OciSeccomp;
  };
}

/** How the container reaches the network: the host's stack, a fresh namespace with only `lo`, or one made by the network layer. */
export type NetworkMode = { mode: 'host' } | { mode: 'none' } | { mode: 'path'; path: string };

/**
 * What `docker run` knows about one container. Only `id`, `rootfs` and
 * `hostname` are required; everything else defaults like Docker.
 */
export interface SpecInput {
  /** The container's ID (used for the cgroup path). */
  id: string;
  /** Absolute host path of the prepared root filesystem (the snapshotter's mount). */
  rootfs: string;
  /** The image's container config (`ImageConfig.config`). */
  image?: Partial<ContainerConfig> | null;
  /** The command after the image name; replaces the image's Cmd when not empty. */
  cmd?: string[];
  /** `--entrypoint`: when given (even `[]`, from `--entrypoint ""`) it replaces the image's, and the image's Cmd is dropped unless the entrypoint is empty. */
  entrypoint?: string[];
  /** `-e` entries: `KEY=value` sets, a bare `KEY` unsets (the CLI resolves `-e KEY` from its own environment first). */
  env?: string[];
  /** `-w`. */
  workdir?: string;
  /** `-u name|uid[:group|gid]`; defaults to the image's User. */
  user?: string;
  /** `--group-add`. */
  groupAdd?: string[];
  hostname: string;
  domainname?: string;
  /** `-t`. */
  tty?: boolean;
  /** With `tty`: the terminal's size (default 24x80; the CLI passes its own terminal's). */
  consoleSize?: { height: number; width: number };
  /** Default `{ mode: 'none' }`. */
  network?: NetworkMode;
  /** `--memory` in bytes; `memorySwap` as Docker (-1 unlimited; default twice memory where swap is accounted). */
  memory?: number;
  memorySwap?: number;
  /** `--cpus`, e.g. 1.5. */
  cpus?: number;
  pidsLimit?: number;
  /** `--shm-size` in bytes. */
  shmSize?: number;
  /** `-v` specs or parsed binds. */
  binds?: Array<string | BindMount>;
  /** Extra OCI mounts (tmpfs, or binds the caller built). */
  mounts?: OciMount[];
  /** Host files the caller prepared, bind-mounted over /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  files?: { hosts?: string; hostname?: string; resolvConf?: string };
  readonlyRootfs?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** `--ulimit` entries (`nofile` etc.); NOFILE defaults like Docker. */
  ulimits?: Array<{ name: string; soft: number; hard: number }>;
  /** `default` (the profile file), `unconfined`, or a ready OCI seccomp object. */
  seccomp?: 'default' | 'unconfined' | OciSeccomp;
  seccompProfile?: string;
  /** The cgroup path; default `/drydock/<id>` (cgroupfs driver). */
  cgroupsPath?: string;
  /** Host facts; probed when absent. */
  host?: HostInfo;
}

/**
 * Builds the OCI spec. Reads the rootfs' /etc/passwd and /etc/group (for the
 * user) and the seccomp profile; writes nothing. Throws `invalid-argument`
 * for bad flag values and when there is no command, `not-found` for an
 * unknown user or group, `unsupported` for named volumes.
 */
export function buildSpec(input: SpecInput): OciSpec {
  const host = input.host ?? hostInfo();
  const image = input.image ?? {};
  const tty = input.tty ?? false;
  const args = processArgs(image, input.cmd, input.entrypoint);
  const user = resolveUser(input.rootfs, input.user ?? image.User ?? '', input.groupAdd);
  const caps = capabilities(input.capAdd, input.capDrop);
  const network = input.network ?? { mode: 'none' };

  const proc: OciProcess = {
    terminal: tty,
    // A size from the first instant: the runtime resizes from its own terminal only after the start.
    ...(tty ? { consoleSize: input.consoleSize ?? { height: 24, width: 80 } } : {}),
    user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length > 0 ? { additionalGids: user.additionalGids } : {}) },
    args,
    env: containerEnv(image.Env ?? [], input.env ?? [], input.hostname, tty),
    cwd: workingDir(input.workdir ?? image.WorkingDir),
    // Docker gives non-root users only the bounding set, as execve would.
    capabilities: { bounding: caps, effective: user.uid === 0 ? caps : [], permitted: user.uid === 0 ? caps : [] },
    rlimits: rlimits(input.ulimits ?? [], host),
    noNewPrivileges: false,
  };

  const namespaces: Array<{ type: string; path?: string }> = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (network.mode === 'none') namespaces.push({ type: 'network' });
  if (network.mode === 'path') namespaces.push({ type: 'network', path: network.path });
  // Docker's default cgroupns is private on cgroup v2 and the host's on v1.
  if (host.cgroupMode === 'unified') namespaces.push({ type: 'cgroup' });

  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: proc,
    root: { path: input.rootfs, readonly: input.readonlyRootfs ?? false },
    hostname: input.hostname,
    ...(input.domainname ? { domainname: input.domainname } : {}),
    mounts: mounts(input),
    linux: {
      namespaces,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
      cgroupsPath: input.cgroupsPath ?? `/drydock/${input.id}`,
      resources: { devices: defaultDeviceRules(), ...resources(input, host) },
    },
  };
  if (network.mode !== 'host') {
    spec.linux.sysctl = { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' };
  }
  const seccomp = input.seccomp ?? 'default';
  if (seccomp === 'default') spec.linux.seccomp = toOciSeccomp(loadSeccompProfile(input.seccompProfile ?? DEFAULT_SECCOMP_PROFILE), caps, host);
  else if (seccomp !== 'unconfined') spec.linux.seccomp = seccomp;
  return spec;
}

/** Entrypoint + Cmd with Docker's override rules. */
export function processArgs(image: Partial<ContainerConfig>, cmd: string[] | undefined, entrypoint: string[] | undefined): string[] {
  let ep: string[];
  let c: string[];
  if (entrypoint !== undefined && entrypoint.length > 0) {
    ep = entrypoint;
    c = cmd ?? [];
  } else {
    ep = entrypoint ?? image.Entrypoint ?? [];
    c = cmd && cmd.length > 0 ? cmd : (image.Cmd ?? []);
  }
  const args = [...ep, ...c];
  if (args.length === 0) throw new DrydockError('invalid-argument', 'no command specified');
  return args;
}

/**
 * The process environment as Docker builds it: PATH (default), HOSTNAME,
 * TERM=xterm with a tty, then the image's Env merged with `-e` (user values
 * win, a bare `KEY` removes), each replacing a default of the same name in place.
 */
export function containerEnv(imageEnv: readonly string[], userEnv: readonly string[], hostname: string, tty: boolean): string[] {
  const userKeys = new Set(userEnv.map(envKey));
  const merged = [...userEnv, ...imageEnv.filter((e) => !userKeys.has(envKey(e)))];
  const base = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`, ...(tty ? ['TERM=xterm'] : [])];
  return replaceOrAppendEnv(base, merged);
}

/** moby's ReplaceOrAppendEnvValues: overrides replace same-named entries in place, else append; a bare name deletes. */
export function replaceOrAppendEnv(defaults: readonly string[], overrides: readonly string[]): string[] {
  const out: Array<string | null> = [...defaults];
  const index = new Map<string, number>();
  out.forEach((e, i) => index.set(envKey(e as string), i));
  for (const e of overrides) {
    const key = envKey(e);
    const at = index.get(key);
    if (!e.includes('=')) {
      if (at !== undefined) out[at] = null;
      index.delete(key);
      continue;
    }
    if (at !== undefined) out[at] = e;
    else {
      index.set(key, out.length);
      out.push(e);
    }
  }
  return out.filter((e): e is string => e !== null);
}

function envKey(e: string): string {
  const eq = e.indexOf('=');
  return eq < 0 ? e : e.slice(0, eq);
}

function workingDir(dir: string | undefined): string {
  if (!dir) return '/';
  if (!dir.startsWith('/')) throw new DrydockError('invalid-argument', `the working directory '${dir}' is invalid, it needs to be an absolute path`);
  return posix.normalize(dir);
}

/** Docker's TweakCapabilities: defaults, plus adds, minus drops; `ALL` on either side. */
export function capabilities(add: readonly string[] = [], drop: readonly string[] = []): string[] {
  const norm = (c: string): string => {
    const up = c.toUpperCase();
    if (up === 'ALL') return up;
    const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
    if (!ALL_CAPABILITIES.includes(name)) throw new DrydockError('invalid-argument', `unknown capability: "${c}"`);
    return name;
  };
  const adds = add.map(norm);
  const drops = drop.map(norm);
  let caps: string[] = adds.includes('ALL') ? [...ALL_CAPABILITIES] : [...DEFAULT_CAPABILITIES];
  if (drops.includes('ALL')) caps = adds.includes('ALL') ? [...ALL_CAPABILITIES] : [];
  else caps = caps.filter((c) => !drops.includes(c));
  for (const a of adds) if (a !== 'ALL' && !caps.includes(a) && !drops.includes(a)) caps.push(a);
  return caps;
}

function rlimits(ulimits: ReadonlyArray<{ name: string; soft: number; hard: number }>, host: HostInfo): OciProcess['rlimits'] {
  const out = new Map<string, { type: string; hard: number; soft: number }>();
  const nofileHard = host.canRaiseRlimits ? DEFAULT_NOFILE.hard : Math.min(DEFAULT_NOFILE.hard, host.nofileHard);
  out.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofileHard, soft: Math.min(DEFAULT_NOFILE.soft, nofileHard) });
  for (const u of ulimits) {
    const type = `RLIMIT_${u.name.toUpperCase()}`;
    if (!/^RLIMIT_[A-Z]+$/.test(type) || u.soft > u.hard || u.soft < 0) {
      throw new DrydockError('invalid-argument', `invalid ulimit ${u.name}=${u.soft}:${u.hard}`);
    }
    out.set(type, { type, hard: u.hard, soft: u.soft });
  }
  return [...out.values()];
}

function resources(input: SpecInput, host: HostInfo): Omit<OciSpec['linux']['resources'], 'devices'> {
  const out: Omit<OciSpec['linux']['resources'], 'devices'> = {};
  if (input.memory !== undefined && input.memory > 0) {
    if (input.memory < MIN_MEMORY) throw new DrydockError('invalid-argument', 'Minimum memory limit allowed is 6MB');
    const swap = input.memorySwap ?? (host.swapAccounting ? input.memory * 2 : undefined);
    if (swap !== undefined && swap !== -1 && swap < input.memory) {
      throw new DrydockError('invalid-argument', 'Minimum memoryswap limit should be larger than memory limit, see usage');
    }
    out.memory = { limit: input.memory, ...(swap !== undefined && host.swapAccounting ? { swap } : {}) };
  }
  if (input.cpus !== undefined && input.cpus > 0) {
    const max = availableParallelism();
    if (input.cpus < 0.01 || input.cpus > max) {
      throw new DrydockError('invalid-argument', `range of CPUs is from 0.01 to ${max}.00, as there are only ${max} CPUs available`);
    }
    out.cpu = { quota: Math.round(input.cpus * CPU_PERIOD), period: CPU_PERIOD };
  }
  if (input.pidsLimit !== undefined && input.pidsLimit > 0) out.pids = { limit: input.pidsLimit };
  return out;
}

/**
 * Default mounts, then the etc files, binds and extra mounts; a user mount
 * replaces a default at the same destination (and one at /dev replaces all
 * of /dev/*), and user mounts are ordered parents first like Docker's.
 */
function mounts(input: SpecInput): OciMount[] {
  const user: OciMount[] = [];
  const files = input.files ?? {};
  const etc = (source: string | undefined, destination: string) => {
    if (source) user.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate'] });
  };
  etc(files.resolvConf, '/etc/resolv.conf');
  etc(files.hostname, '/etc/hostname');
  etc(files.hosts, '/etc/hosts');
  for (const b of input.binds ?? []) user.push(bindToOci(typeof b === 'string' ? parseBind(b) : b));
  user.push(...(input.mounts ?? []));
  const taken = new Set(user.map((m) => m.destination));
  const overDev = taken.has('/dev');
  const defaults = defaultMounts(input.shmSize ?? DEFAULT_SHM_SIZE).filter(
    (m) => !taken.has(m.destination) && !(overDev && m.destination.startsWith('/dev/')),
  );
  const depth = (m: OciMount) => m.destination.split('/').filter(Boolean).length;
  return [...defaults, ...user.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m) - depth(b.m) || a.i - b.i).map((x) => x.m)];
}

/** Options for `docker exec`'s process. */
export interface ExecInput {
  cmd: string[];
  env?: string[];
  /** Defaults to the container's user. */
  user?: string;
  workdir?: string;
  tty?: boolean;
}

/** The process.json for `runtime exec --process`, derived from the container's spec like Docker's exec. */
export function buildExecProcess(spec: OciSpec, input: ExecInput): OciProcess {
  if (input.cmd.length === 0) throw new DrydockError('invalid-argument', 'no command specified');
  const tty = input.tty ?? false;
  let user: ExecUser | undefined;
  if (input.user !== undefined && input.user !== '') user = resolveUser(spec.root.path, input.user);
  let env = [...spec.process.env];
  if (tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
  env = replaceOrAppendEnv(env, input.env ?? []);
  const caps = spec.process.capabilities.bounding;
  const uid = user ? user.uid : spec.process.user.uid;
  return {
    ...spec.process,
    terminal: tty,
    args: [...input.cmd],
    env,
    cwd: input.workdir ? workingDir(input.workdir) : spec.process.cwd,
    user: user ? { uid: user.uid, gid: user.gid, ...(user.additionalGids.length > 0 ? { additionalGids: user.additionalGids } : {}) } : spec.process.user,
    capabilities: { bounding: [...caps], effective: uid === 0 ? [...caps] : [], permitted: uid === 0 ? [...caps] : [] },
  };
}

/**
 * Makes `dir` an OCI bundle for `spec`: writes config.json (atomically, 0600),
 * creates the working directory in the rootfs (owned by the container's user,
 * like Docker) and any missing `-v` bind sources.
 */
export function prepareBundle(dir: string, spec: OciSpec, opts: { binds?: BindMount[] } = {}): void {
  ensureWorkingDir(spec.root.path, spec.process.cwd, spec.process.user);
  ensureBindSources(opts.binds ?? []);
  writeJsonAtomic(`${dir}/config.json`, spec);
}

/** Writes JSON through a temporary file and a rename, so readers never see half a file. */
export function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(value), { mode });
    renameSync(tmp, path);
  } catch (err) {
    throw new DrydockError('io', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
