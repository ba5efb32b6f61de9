import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, ownerOf, type Owner } from '../snapshot/owner.js';

/**
 * A lock between processes on one host: the directory `path` exists while
 * held, with its holder (pid and start time) inside. A holder that died
 * (kill -9) is noticed and its lock taken over. With `wait`, polls until the
 * lock is free; without, returns null at once when it is held.
 * Resolves to the function that releases it.
 */
export async function acquireDirLock(path: string, opts: { wait: boolean; pollMs?: number }): Promise<(() => void) | null> {
  for (;;) {
    try {
      mkdirSync(path, { mode: 0o700 });
      writeFileSync(`${path}/owner`, JSON.stringify(ownerOf(process.pid)));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    // No owner file: the holder is between mkdir and write, or died there (then the lock is old).
    if (holder ? !isAlive(holder) : ageMs(path) > 10_000) {
      rmSync(path, { recursive: true, force: true });
      continue;
    }
    if (!opts.wait) return null;
    await sleep(opts.pollMs ?? 100);
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function readHolder(path: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(`${path}/owner`, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}
