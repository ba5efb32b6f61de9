import { basename } from 'node:path';
import { runShim } from '@drydock/engine';
import { openEngine, closeEngine } from './runtime.js';

/**
 * The shim: supervises the container to its end, then frees what its start
 * set up (network, mounts) or removes it for `--rm`. The container's directory
 * is named by its ID.
 */
export async function runShimAndRelease(dir: string): Promise<number> {
  const code = await runShim(['__shim', dir]);
  try {
    const { engine } = await openEngine();
    await engine.containers.exited(basename(dir));
  } finally {
    closeEngine();
  }
  return code;
}
