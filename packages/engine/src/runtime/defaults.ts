/**
 * Docker's defaults for a non-privileged Linux container, as moby's
 * oci.DefaultLinuxSpec and daemon settle them (stated here as data; the
 * assembling is in spec.ts).
 */

/** The capability set Docker grants by default (`CAP_` names). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Every capability Linux knows (through 5.9's CAP_CHECKPOINT_RESTORE), for `--cap-add ALL` and validation. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Paths masked from the container (current Docker's list). */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths made read-only in the container. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** PATH when neither the image nor `-e` sets one (Go's system.DefaultPathEnv on Linux). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `--shm-size` default: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** RLIMIT_NOFILE as current Docker hands it to containers on systemd hosts (soft 1024, hard 524288). */
export const DEFAULT_NOFILE = { soft: 1024, hard: 524_288 };

/** Docker refuses `--memory` below 6 MiB. */
export const MIN_MEMORY = 6 * 1024 * 1024;

/** The CFS period Docker uses for `--cpus`. */
export const CPU_PERIOD = 100_000;

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** The filesystems every container gets, before user mounts override them. */
export function defaultMounts(shmSize: number): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`] },
  ];
}

export interface OciDeviceRule {
  allow: boolean;
  type?: 'a' | 'b' | 'c';
  major?: number;
  minor?: number;
  access?: string;
}

/** The device cgroup: deny everything, then allow the usual character devices and mknod. */
export function defaultDeviceRules(): OciDeviceRule[] {
  const c = (major: number | undefined, minor: number | undefined, access = 'rwm'): OciDeviceRule => ({
    allow: true,
    type: 'c',
    ...(major !== undefined ? { major } : {}),
    ...(minor !== undefined ? { minor } : {}),
    access,
  });
  return [
    { allow: false, access: 'rwm' },
    c(undefined, undefined, 'm'), // mknod of any character device
    { allow: true, type: 'b', access: 'm' }, // mknod of any block device
    c(1, 3), // /dev/null
    c(1, 5), // /dev/zero
    c(1, 7), // /dev/full
    c(1, 8), // /dev/random
    c(1, 9), // /dev/urandom
    c(5, 0), // /dev/tty
    c(5, 1), // /dev/console
    c(5, 2), // /dev/ptmx
    c(136, undefined), // /dev/pts/*
    c(10, 200), // /dev/net/tun
  ];
}
