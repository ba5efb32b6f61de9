import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * Writes `-o FILE` whole or not at all: into a partial file beside it,
 * renamed into place only when `write` succeeded.
 */
export async function writeFileAtomically(path: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const partial = `${path}.partial-${process.pid}`;
  try {
    await write(createWriteStream(partial));
    renameSync(partial, path);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}
