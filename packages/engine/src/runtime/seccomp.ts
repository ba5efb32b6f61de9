import { readFileSync } from 'node:fs';
import { DrydockError } from '../errors.js';
import type { HostInfo } from './host.js';

/**
 * Docker's seccomp profile format (moby's types.Seccomp, which containers-common's
 * /usr/share/containers/seccomp.json uses) turned into the OCI runtime spec's
 * `linux.seccomp`, the way the daemon does before handing the spec to runc:
 *
 * - `architectures` is the host's entry of `archMap` plus its sub-architectures.
 * - A syscall rule applies only when all its `includes` hold (every listed cap
 *   is in the container's capability set, the host arch is listed, the kernel
 *   is at least `minKernel`) and no `excludes` hold (no listed cap present,
 *   host arch not listed). `comment` and the symbolic `errno` are dropped.
 */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSyscall[];
}

export interface OciSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>;
}

interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

interface DockerProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  flags?: string[];
  syscalls?: Array<OciSyscall & { name?: string; includes?: Filter; excludes?: Filter }>;
}

/** The default profile's location (containers-common). */
export const DEFAULT_SECCOMP_PROFILE = '/usr/share/containers/seccomp.json';

/** Go arch names to libseccomp's, for matching `archMap` (moby's nativeToSeccomp). */
const NATIVE_TO_SECCOMP: Record<string, string> = {
  '386': 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64le: 'SCMP_ARCH_MIPSEL64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64',
  s390x: 'SCMP_ARCH_S390X',
};

const profileCache = new Map<string, DockerProfile>();

/** Reads and parses a Docker-format profile (cached per path). */
export function loadSeccompProfile(path: string = DEFAULT_SECCOMP_PROFILE): DockerProfile {
  const hit = profileCache.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DrydockError('not-found', `seccomp profile ${path} not found (install containers-common, or run with seccomp=unconfined)`, { cause: err });
  }
  let parsed: DockerProfile;
  try {
    parsed = JSON.parse(text) as DockerProfile;
  } catch (err) {
    throw new DrydockError('invalid-argument', `seccomp profile ${path} is not valid JSON`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.defaultAction !== 'string') {
    throw new DrydockError('invalid-argument', `seccomp profile ${path} has no defaultAction`);
  }
  profileCache.set(path, parsed);
  return parsed;
}

/**
 * Converts a profile for a container whose bounding capability set is `caps`
 * (`CAP_*` names) on the given host.
 */
export function toOciSeccomp(profile: DockerProfile, caps: readonly string[], host: Pick<HostInfo, 'goArch' | 'kernel'>): OciSeccomp {
  const out: OciSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  const native = NATIVE_TO_SECCOMP[host.goArch];
  if (profile.archMap && native) {
    const entry = profile.archMap.find((a) => a.architecture === native);
    if (entry) out.architectures = [entry.architecture, ...(entry.subArchitectures ?? [])];
  } else if (profile.architectures) {
    out.architectures = [...profile.architectures];
  }
  if (profile.flags && profile.flags.length > 0) out.flags = [...profile.flags];

  const capSet = new Set(caps);
  const syscalls: OciSyscall[] = [];
  for (const rule of profile.syscalls ?? []) {
    if (!included(rule.includes, capSet, host) || excluded(rule.excludes, capSet, host)) continue;
    const names = rule.names && rule.names.length > 0 ? rule.names : rule.name ? [rule.name] : [];
    if (names.length === 0) continue;
    const sc: OciSyscall = { names: [...names], action: rule.action };
    if (rule.errnoRet !== undefined) sc.errnoRet = rule.errnoRet;
    if (rule.args && rule.args.length > 0) {
      sc.args = rule.args.map((a) => ({ index: a.index, value: a.value, ...(a.valueTwo ? { valueTwo: a.valueTwo } : {}), op: a.op }));
    }
    syscalls.push(sc);
  }
  out.syscalls = syscalls;
  return out;
}

function included(f: Filter | undefined, caps: Set<string>, host: Pick<HostInfo, 'goArch' | 'kernel'>): boolean {
  if (!f) return true;
  if (f.arches && f.arches.length > 0 && !f.arches.includes(host.goArch)) return false;
  if (f.caps && f.caps.some((c) => !caps.has(c))) return false;
  if (f.minKernel && compareKernel(host.kernel, f.minKernel) < 0) return false;
  return true;
}

function excluded(f: Filter | undefined, caps: Set<string>, host: Pick<HostInfo, 'goArch'>): boolean {
  if (!f) return false;
  if (f.arches && f.arches.includes(host.goArch)) return true;
  if (f.caps && f.caps.some((c) => caps.has(c))) return true;
  return false;
}

function compareKernel(have: [number, number], want: string): number {
  const [maj = 0, min = 0] = want.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return have[0] !== maj ? have[0] - maj : have[1] - min;
}
