import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestingStream, isDigest, sha256, type Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import type { StoreLayout } from './layout.js';

/** A blob written to `ingest/` and verified, waiting to be published. */
export interface StagedBlob {
  digest: Digest;
  size: number;
  path: string;
}

/**
 * Content-addressed blobs on disk, `blobs/sha256/<hex>`.
 *
 * Contract (containerd's local store, umoci's verified reader):
 * - A blob becomes visible only complete and verified: `ingest` writes to a
 *   private file and checks digest and size, `publish` renames it into place.
 * - Publishing and removing happen inside a metadata write transaction, so
 *   that no other process can see a row without its blob, or delete a blob a
 *   concurrent transaction is about to reference.
 * - `remove` moves a blob to a per-transaction batch under `trash/`;
 *   `emptyTrash` unlinks after commit, `restoreTrash` undoes on rollback. A
 *   crash in between is repaired by `recover`, which restores trashed blobs
 *   the metadata still references and deletes the rest.
 */
export class ContentStore {
  constructor(private readonly layout: StoreLayout) {
    for (const dir of [join(layout.blobs, 'sha256'), layout.ingest, layout.trash, layout.tmp]) {
      mkdirSync(dir, { recursive: true });
    }
  }

  path(digest: Digest): string {
    const [algorithm, hex] = digest.split(':');
    return join(this.layout.blobs, algorithm!, hex!);
  }

  has(digest: Digest): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: Digest): number {
    return statSync(this.path(digest)).size;
  }

  read(digest: Digest): Buffer {
    try {
      return readFileSync(this.path(digest));
    } catch (err) {
      throw new DrydockError('not-found', `blob ${digest} is missing from the store`, { cause: err });
    }
  }

  openRead(digest: Digest): Readable {
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  /**
   * Streams `source` through `transforms` into a private file, digesting the
   * bytes that reach the file. Throws `digest-mismatch` when `expected` (or
   * `expectedSize`) is given and differs; the partial file is removed on any failure.
   */
  async ingest(
    source: Readable,
    opts: { expected?: Digest; expectedSize?: number; transforms?: Transform[] } = {},
  ): Promise<StagedBlob> {
    const path = join(this.layout.ingest, stagingName());
    const digester = new DigestingStream(opts.expected?.split(':')[0] ?? 'sha256');
    const file = createWriteStream(path, { highWaterMark: 1 << 20 });
    try {
      await pipeline([source, ...(opts.transforms ?? []), digester, file]);
      const staged = { digest: digester.digest(), size: digester.bytes, path };
      verify(staged, opts.expected, opts.expectedSize);
      return staged;
    } catch (err) {
      // A stream destroyed before its file opened still opens (and creates) it: wait for the close.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      rmSync(path, { force: true });
      throw err;
    }
  }

  /** Stages an in-memory blob (configs, manifests). */
  stageBytes(data: Uint8Array, expected?: Digest): StagedBlob {
    const digest = sha256(data);
    verify({ digest, size: data.length, path: '' }, expected);
    const path = join(this.layout.ingest, stagingName());
    writeFileSync(path, data);
    return { digest, size: data.length, path };
  }

  /** Moves a staged blob into place. Call inside a metadata write transaction. */
  publish(staged: StagedBlob): void {
    const dest = this.path(staged.digest);
    if (existsSync(dest)) {
      rmSync(staged.path, { force: true });
      return;
    }
    mkdirSync(join(dest, '..'), { recursive: true });
    renameSync(staged.path, dest);
  }

  /** Drops a staged blob that will not be published. */
  discard(staged: StagedBlob): void {
    rmSync(staged.path, { force: true });
  }

  /**
   * Moves a blob to the trash batch `batch` (one per transaction). Call inside
   * a metadata write transaction; then `emptyTrash(batch)` after it commits,
   * or `restoreTrash(batch)` if it rolled back.
   */
  remove(digest: Digest, batch: string): void {
    const from = this.path(digest);
    if (!existsSync(from)) return;
    const dir = join(this.layout.trash, batch);
    mkdirSync(dir, { recursive: true });
    renameSync(from, join(dir, digest.replace(':', '-')));
  }

  emptyTrash(batch: string): void {
    rmSync(join(this.layout.trash, batch), { force: true, recursive: true });
  }

  restoreTrash(batch: string): void {
    const dir = join(this.layout.trash, batch);
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const digest = name.replace('-', ':') as Digest;
      if (!this.has(digest)) renameSync(join(dir, name), this.path(digest));
    }
    rmSync(dir, { force: true, recursive: true });
  }

  newTrashBatch(): string {
    return `${process.pid}-${randomBytes(6).toString('hex')}`;
  }

  /** Whether a crashed process may have left something for `recover` (cheap: three readdirs). */
  needsRecovery(): boolean {
    return [this.layout.trash, this.layout.ingest, this.layout.tmp].some((d) => readdirSync(d).length > 0);
  }

  /**
   * Repairs what a crashed process left: trashed blobs still referenced are put
   * back, the others deleted; abandoned ingest files older than an hour are
   * removed (younger ones may belong to a live process). Call inside a write transaction.
   */
  recover(isReferenced: (digest: Digest) => boolean): void {
    for (const batch of readdirSync(this.layout.trash)) {
      const dir = join(this.layout.trash, batch);
      for (const name of readdirSync(dir)) {
        const digest = name.replace('-', ':');
        if (isDigest(digest) && isReferenced(digest) && !this.has(digest)) renameSync(join(dir, name), this.path(digest));
      }
      rmSync(dir, { force: true, recursive: true });
    }
    const cutoff = Date.now() - 3_600_000;
    for (const dir of [this.layout.ingest, this.layout.tmp]) {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (!ownerAlive(name) || statSync(p).mtimeMs < cutoff) rmSync(p, { force: true, recursive: true });
      }
    }
  }

  /** Every blob on disk (for garbage collection and fsck). */
  list(): Digest[] {
    const out: Digest[] = [];
    for (const algorithm of readdirSync(this.layout.blobs)) {
      for (const hex of readdirSync(join(this.layout.blobs, algorithm))) {
        const d = `${algorithm}:${hex}`;
        if (isDigest(d)) out.push(d);
      }
    }
    return out;
  }
}

/** Staging names start with the writer's pid, so a crashed writer's leftovers can be told from a live one's. */
export function stagingName(prefix = ''): string {
  return `${prefix}${process.pid}-${Date.now()}-${randomBytes(6).toString('hex')}`;
}

function ownerAlive(name: string): boolean {
  const pid = Number(/^(?:[a-z]+-)?(\d+)-/.exec(name)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function verify(blob: StagedBlob, expected?: Digest, expectedSize?: number): void {
  if (expected !== undefined && blob.digest !== expected) {
    throw new DrydockError('digest-mismatch', `content digest mismatch: expected ${expected}, got ${blob.digest}`);
  }
  if (expectedSize !== undefined && blob.size !== expectedSize) {
    throw new DrydockError('digest-mismatch', `content size mismatch for ${blob.digest}: expected ${expectedSize} bytes, got ${blob.size}`);
  }
}

