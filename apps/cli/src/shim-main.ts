import { basename, dirname } from 'node:path';
import { Engine, runShim } from '@drydock/engine';

/**
 * The shim: supervises the container to its end, then frees what its start
 * set up (network, mounts) or removes it for `--rm`. The container's directory
 * is `<root>/containers/<id>`: the shim opens the engine at that root, since it
 * runs with an empty environment (no DRYDOCK_ROOT to read).
 */
export async function runShimAndRelease(dir: string): Promise<number> {
  const code = await runShim(['__shim', dir]);
  const engine = Engine.open({ root: dirname(dirname(dir)) });
  try {
    await engine.containers.exited(basename(dir));
  } finally {
    engine.close();
  }
  return code;
}
