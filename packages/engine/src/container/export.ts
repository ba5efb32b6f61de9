import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isMountPoint } from '../snapshot/mount.js';
import { upperToLayerTar } from '../snapshot/diff.js';
import type { ContainerDeps } from './deps.js';
import { ETC_FILES } from './paths.js';

/**
 * `docker export`: the container's whole filesystem, flattened, as a tar —
 * without the /etc files Docker mounts (the mount points of /dev, /proc and /sys stay). Mounts the rootfs for the duration
 * when the container is not running.
 */
export async function exportContainer(deps: ContainerDeps, idOrName: string, out: Writable): Promise<void> {
  const record = deps.containers.resolve(idOrName);
  const plan = deps.snapshotter.plan(record.id);
  const mountedHere = !isMountPoint(plan.target);
  if (mountedHere) deps.snapshotter.mount(plan);
  try {
    await pipeline(upperToLayerTar(plan.target, [], { excludePaths: ETC_FILES }), out);
  } finally {
    if (mountedHere) deps.snapshotter.unmount(plan.target);
  }
}
