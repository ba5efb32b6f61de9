/**
 * Content-addressed blob storage: `<root>/blobs/<algorithm>/<hex>`.
 *
 * Contracts:
 * - A file under `blobs/` always holds exactly the bytes its name is the digest of: content
 *   arrives in a temp file (an upload's data file or `<root>/tmp`), is verified, and is then
 *   renamed into place. Rename is atomic, so two concurrent pushes of the same blob both
 *   succeed and readers never see a partial blob (an open reader keeps its inode).
 * - Blobs are shared by every repository; which repository may see a blob is recorded by the
 *   RepositoryStore's links. Only garbage collection removes blob files.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Digest } from '../names.js';
import { statIfExists, tempPath, writeFileAtomic } from './fsutil.js';

export class BlobStore {
  constructor(readonly root: string) {}

  /** Where the blob with this digest lives (whether or not it exists). */
  path(digest: Digest): string {
    return join(this.root, 'blobs', digest.algorithm, digest.hex);
  }

  /** Size of the blob, or undefined when the registry does not hold it. */
  async size(digest: Digest): Promise<number | undefined> {
    const s = await statIfExists(this.path(digest));
    return s?.isFile ? s.size : undefined;
  }

  /**
   * Moves an already-verified file into place under its digest. The caller guarantees that
   * `file` hashes to `digest` and lives on the same filesystem (under `root`).
   */
  async publish(file: string, digest: Digest): Promise<void> {
    const target = this.path(digest);
    await mkdir(dirname(target), { recursive: true });
    await rename(file, target);
  }

  /** Stores a small, already-verified buffer (a manifest) under its digest. */
  async putBuffer(digest: Digest, data: Buffer): Promise<void> {
    if ((await this.size(digest)) === data.length) return;
    await writeFileAtomic(this.root, this.path(digest), data);
  }

  /** Reads a small blob (a manifest) whole. Only for content bounded by the manifest limit. */
  async readBuffer(digest: Digest): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(digest));
    } catch {
      return undefined;
    }
  }

  /** A stream of the blob's bytes, optionally an inclusive byte range. */
  open(digest: Digest, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(digest), range ? { start: range.start, end: range.end } : {});
  }

  /** Removes a blob file (garbage collection only). */
  async remove(digest: Digest): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  /** A temp path on the blob filesystem, for content that will be published. */
  tempPath(): Promise<string> {
    return tempPath(this.root);
  }
}
