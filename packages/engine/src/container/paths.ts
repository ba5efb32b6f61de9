import { join } from 'node:path';

/** Where container state lives under the engine's state root. */
export function containerPaths(root: string) {
  return {
    /** One directory per container: OCI bundle, supervisor state, logs, /etc files. */
    containers: join(root, 'containers'),
    dir: (id: string) => join(root, 'containers', id),
    /** Held while a container's network and mounts are released (its supervisor and `rm -f` may race). */
    releaseLock: (id: string) => join(root, 'containers', `${id}.release-lock`),
    /** The OCI runtime's own state (`--root`). */
    runtime: join(root, 'runtime'),
    /** CNI caches, IPAM leases, port reservations. */
    network: join(root, 'network'),
  };
}

/**
 * Paths the runtime mounts over in every container (Docker keeps their mount
 * points in an init layer): never in diff, commit or export. /dev, /proc and
 * /sys are filesystems of their own, so the upper dir only ever holds their
 * empty mount points.
 */
export const ETC_FILES = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];
export const ETC_MOUNTS = [...ETC_FILES, '/dev', '/proc', '/sys'];
