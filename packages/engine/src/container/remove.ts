import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DrydockError, isDrydockError } from '../errors.js';
import { signalContainer, waitForExit } from '../runtime/container.js';
import type { ContainerDeps } from './deps.js';
import { releaseHeld, whileReleasing, removeContainerDir } from './start.js';
import { containerSummary } from './status.js';

/**
 * `docker rm [-f] [-v]`: refuses a running container unless forced (then
 * kills it), releases its network and mounts, and deletes its snapshot,
 * directory and record (and with `volumes`, its anonymous volumes).
 * Returns the name the user gave, as Docker echoes it.
 */
export async function removeContainer(deps: ContainerDeps, idOrName: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<string> {
  const record = deps.containers.resolve(idOrName);
  const summary = await containerSummary(deps, record);
  if (summary.status === 'running' || summary.status === 'paused') {
    if (!opts.force) {
      throw new DrydockError('conflict', `You cannot remove a ${summary.status} container ${record.id}. Stop the container before attempting removal or force remove`);
    }
    await signalContainer(deps.runtime(), record.id, 'SIGKILL');
    await waitForExit(deps.paths.dir(record.id), 10_000);
  }
  // Both runtimes keep a container's state in <root>/<id>: without it there is nothing to delete (and no process to spawn).
  if (existsSync(join(deps.runtime().root, record.id))) await deps.runtime().delete(record.id, { force: true }).catch(() => undefined);
  await whileReleasing(deps, record.id, async () => {
    await releaseHeld(deps, record.id);
    deps.snapshotter.remove(record.id);
    removeContainerDir(deps, record.id);
    deps.containers.delete(record.id);
  });
  // Named volumes stay; an anonymous one another container still uses stays too.
  if (opts.volumes) {
    for (const m of record.hostConfig.volumeMounts.filter((v) => v.anonymous)) {
      try {
        deps.volumes.remove(m.name, { force: true });
      } catch (err) {
        if (!isDrydockError(err, 'conflict')) throw err;
      }
    }
  }
  return idOrName;
}
