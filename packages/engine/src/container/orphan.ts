import { nowRfc3339Nano } from '../runtime/json-log.js';
import { readState, shimAlive, writeState } from '../runtime/container.js';
import type { ContainerRecord } from './container-store.js';
import type { ContainerDeps } from './deps.js';
import { removeContainer } from './remove.js';
import { releaseHeld, whileReleasing } from './start.js';

/** Docker's exit code for a container whose shim died: 128 + SIGKILL. */
const ORPHAN_EXIT_CODE = 137;

/**
 * A container whose supervisor (the shim, or a foreground `run`) was killed
 * (`kill -9`) while it ran has nobody to record its end or free what it
 * holds. Docker's containerd, on losing a shim, kills the container
 * (`runc delete --force`) and reports exit status 137. The supervisor's
 * watcher has killed the process already (see supervisor.ts); the first
 * later command that looks at the container does the rest: delete it from
 * the runtime (killing it if it still runs; this frees its cgroup), record
 * `exited` with code 137 and the time, and free its mounts and network — or
 * remove it, for `--rm`. Its log stays. Returns false when it was removed.
 *
 * Safe against the shim finishing at the same time, and against other
 * commands reaping too: the state is read again under the release lock.
 */
export async function reapOrphan(deps: ContainerDeps, record: ContainerRecord): Promise<boolean> {
  const dir = deps.paths.dir(record.id);
  if (!isOrphan(dir)) return true;
  const reaped = await whileReleasing(deps, record.id, async () => {
    const state = readState(dir);
    if (state?.status !== 'running' || shimAlive(dir)) return false;
    await deps.runtime().delete(record.id, { force: true }).catch(() => undefined);
    const { pid: _pid, ...rest } = state;
    writeState(dir, { ...rest, status: 'exited', exitCode: ORPHAN_EXIT_CODE, finishedAt: nowRfc3339Nano() });
    await releaseHeld(deps, record.id);
    return true;
  });
  if (reaped && record.hostConfig.autoRemove) {
    await removeContainer(deps, record.id, { volumes: true });
    return false;
  }
  return true;
}

/** The state says running but no supervisor lives. */
function isOrphan(dir: string): boolean {
  return readState(dir)?.status === 'running' && !shimAlive(dir);
}
