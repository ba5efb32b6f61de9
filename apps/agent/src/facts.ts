import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import type { HostFacts, HostStatus } from '@drydock/protocol';

// Where the engine looks for its runtimes (packages/engine/src/runtime/crun.ts), crun first.
const RUNTIMES = [
  ['crun', ['/usr/bin/crun', '/usr/local/bin/crun', '/usr/sbin/crun', '/usr/local/sbin/crun']],
  ['runc', ['/usr/bin/runc', '/usr/sbin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc']],
] as const;

/** What the hub shows about this host: read once per connection. */
export function hostFacts(root: string): HostFacts {
  return {
    hostname: hostname(),
    os: platform(),
    distro: distroName(),
    arch: arch(),
    kernel: release(),
    cpus: Math.max(1, cpus().length),
    memoryBytes: totalmem(),
    disk: diskOf(root),
    runtime: runtimeFacts(),
  };
}

/** The file system holding `root`: its size and what an unprivileged writer may still use. */
export function diskOf(root: string): HostFacts['disk'] {
  const fs = statfsSync(root);
  return { path: root, totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
}

function distroName(): string | null {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? null;
  } catch {
    return null;
  }
}

function runtimeFacts(): HostFacts['runtime'] {
  for (const [name, paths] of RUNTIMES) {
    const binary = paths.find((p) => existsSync(p));
    if (!binary) continue;
    let version = '';
    try {
      // `crun --version` → "crun version 1.8.1", `runc --version` → "runc version 1.1.5".
      const first = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000 }).split('\n')[0] ?? '';
      version = /version\s+(\S+)/.exec(first)?.[1] ?? first.trim();
    } catch {
      // Installed but not runnable: still report it, without a version.
    }
    return { name, version };
  }
  return null;
}

/** Whether a new status is worth a message: the images changed, or free space moved by 1 % of the disk. */
export function statusMoved(before: HostStatus | undefined, now: HostStatus): boolean {
  if (!before) return true;
  if (before.images.count !== now.images.count || before.images.bytes !== now.images.bytes) return true;
  return Math.abs(before.disk.freeBytes - now.disk.freeBytes) >= now.disk.totalBytes / 100;
}
