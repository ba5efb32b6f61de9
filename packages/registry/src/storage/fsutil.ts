/**
 * Small filesystem helpers shared by the stores. Every write that other readers may see goes
 * through a temp file in `<root>/tmp` and a rename, so a reader sees the old content or the
 * new, never a torn file.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Algorithm } from '../names.js';

/** A fresh path in `<root>/tmp` (created on demand); same filesystem as every store path. */
export async function tempPath(root: string): Promise<string> {
  const dir = join(root, 'tmp');
  await mkdir(dir, { recursive: true });
  return join(dir, `${randomUUID()}.tmp`);
}

/** Writes `data` to `path` atomically (temp file + rename), creating parent folders. */
export async function writeFileAtomic(root: string, path: string, data: string | Buffer): Promise<void> {
  const tmp = await tempPath(root);
  try {
    await writeFile(tmp, data);
    await mkdir(dirname(path), { recursive: true });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Reads a file, or undefined when it does not exist. */
export async function readFileIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** stat() that returns undefined for a missing file. */
export async function statIfExists(path: string): Promise<{ size: number; mtimeMs: number; isFile: boolean } | undefined> {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile() };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Removes a file; true when it existed. */
export async function removeIfExists(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function newHash(algorithm: Algorithm): Hash {
  return createHash(algorithm);
}

/** Streams a file through a hash; returns the hex digest. */
export async function hashFile(path: string, algorithm: Algorithm): Promise<string> {
  const hash = newHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
