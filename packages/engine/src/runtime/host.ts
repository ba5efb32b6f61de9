import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { release } from 'node:os';

/**
 * Facts about the host that shape a container's spec and the choice of OCI
 * runtime. Read from /proc and /sys (never from the environment), once per
 * process unless the caller passes its own (tests, or a host it knows).
 */
export interface HostInfo {
  /**
   * How cgroups are mounted: `unified` (cgroup v2 only), `legacy` (v1 only),
   * or `hybrid` (v1 controllers under /sys/fs/cgroup plus a cgroup2 mount at
   * /sys/fs/cgroup/unified, as on Debian with systemd's hybrid mode).
   */
  cgroupMode: 'unified' | 'legacy' | 'hybrid' | 'none';
  /**
   * The controllers the cgroup2 hierarchy offers. In hybrid mode crun refuses
   * to run when this is not empty (it cannot drive controllers split across
   * v1 and v2); runc then is the runtime to use.
   */
  v2Controllers: string[];
  /** cgroup v1 `memory.memsw.*` present (swap accounting), or v2's memory.swap.max. */
  swapAccounting: boolean;
  /** The hard RLIMIT_NOFILE this process may hand down, and whether it may raise it (CAP_SYS_RESOURCE). */
  nofileHard: number;
  canRaiseRlimits: boolean;
  /** The kernel version as [major, minor], for seccomp's `minKernel`. */
  kernel: [number, number];
  /** The architecture in Go's names (amd64, arm64, ...), for seccomp's `arches`. */
  goArch: string;
}

const CGROUP_ROOT = '/sys/fs/cgroup';
const CGROUP2_MAGIC = 0x63677270;
const TMPFS_MAGIC = 0x01021994;

let cached: HostInfo | undefined;

/** Probes the host (cached for the process's lifetime). */
export function hostInfo(): HostInfo {
  cached ??= probeHost();
  return cached;
}

function probeHost(): HostInfo {
  const cgroupMode = probeCgroupMode();
  const v2Dir = cgroupMode === 'unified' ? CGROUP_ROOT : `${CGROUP_ROOT}/unified`;
  const v2Controllers = cgroupMode === 'unified' || cgroupMode === 'hybrid' ? readWords(`${v2Dir}/cgroup.controllers`) : [];
  const swapAccounting =
    cgroupMode === 'unified'
      ? v2Controllers.includes('memory')
      : existsSync(`${CGROUP_ROOT}/memory/memory.memsw.limit_in_bytes`);
  return {
    cgroupMode,
    v2Controllers,
    swapAccounting,
    ...nofileLimit(),
    canRaiseRlimits: hasCapability(24 /* CAP_SYS_RESOURCE */),
    kernel: kernelVersion(release()),
    goArch: goArch(process.arch),
  };
}

function probeCgroupMode(): HostInfo['cgroupMode'] {
  try {
    const type = statfsSync(CGROUP_ROOT).type;
    if (type === CGROUP2_MAGIC) return 'unified';
    if (type !== TMPFS_MAGIC) return 'none';
    try {
      if (statfsSync(`${CGROUP_ROOT}/unified`).type === CGROUP2_MAGIC) return 'hybrid';
    } catch {
      // no unified mount: plain v1
    }
    return 'legacy';
  } catch {
    return 'none';
  }
}

function readWords(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** The hard `Max open files` limit of this process, from /proc/self/limits. */
function nofileLimit(): { nofileHard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    if (hard === 'unlimited') return { nofileHard: Number.MAX_SAFE_INTEGER };
    const n = Number(hard);
    if (Number.isSafeInteger(n) && n > 0) return { nofileHard: n };
  } catch {
    // not Linux-like: assume the common default
  }
  return { nofileHard: 1_048_576 };
}

/** Whether the effective capability set of this process holds capability `bit`. */
function hasCapability(bit: number): boolean {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CapEff:'));
    if (!line) return false;
    return ((BigInt(`0x${line.slice(7).trim()}`) >> BigInt(bit)) & 1n) === 1n;
  } catch {
    return false;
  }
}

export function kernelVersion(text: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function goArch(arch: string): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips: 'mips', mipsel: 'mipsle' };
  return map[arch] ?? arch;
}
