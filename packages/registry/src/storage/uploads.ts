/**
 * Blob uploads in progress: `<root>/uploads/<uuid>/{data,state.json}`.
 *
 * Contracts:
 * - The upload's offset is the size of its data file; a chunk is appended only when it
 *   starts at that offset (else `range-invalid`, 416). Appends to one upload are serialised
 *   in this process; a failed or aborted append is truncated back, so the offset only ever
 *   moves by whole accepted chunks.
 * - Bytes are hashed as they stream to disk (never buffered whole). The running hash lives in
 *   memory next to the offset it covers; when it cannot be used (another algorithm than the
 *   one hashed while writing, or the process restarted mid-upload) the data file is re-read
 *   once at finish.
 * - `finish` verifies the content against the client's digest (`digest-invalid` and the upload
 *   is discarded on mismatch) and publishes it into the BlobStore by rename.
 */
import { randomUUID, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryError } from '../errors.js';
import type { Algorithm, Digest } from '../names.js';
import type { BlobStore } from './blobs.js';
import { hashFile, newHash, readFileIfExists, statIfExists } from './fsutil.js';

export interface UploadState {
  readonly uuid: string;
  readonly repository: string;
  /** Bytes received so far. */
  readonly offset: number;
  readonly startedAt: string;
}

interface Running {
  offset: number;
  hashes: Partial<Record<Algorithm, Hash>>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class UploadStore {
  private readonly running = new Map<string, Running>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly root: string,
    private readonly blobs: BlobStore,
  ) {}

  private dir(uuid: string): string {
    return join(this.root, 'uploads', uuid);
  }

  /** Starts an upload for `repository`, hashing with `algorithms` while writing (sha256 by default). */
  async create(repository: string, algorithms: Algorithm[] = ['sha256']): Promise<UploadState> {
    const uuid = randomUUID();
    const startedAt = new Date().toISOString();
    await mkdir(this.dir(uuid), { recursive: true });
    await writeFile(join(this.dir(uuid), 'data'), '');
    await writeFile(join(this.dir(uuid), 'state.json'), JSON.stringify({ repository, startedAt }));
    this.running.set(uuid, { offset: 0, hashes: Object.fromEntries(algorithms.map((a) => [a, newHash(a)])) });
    return { uuid, repository, offset: 0, startedAt };
  }

  /** The upload's state; `blob-upload-unknown` when there is none for this repository. */
  async get(uuid: string, repository: string): Promise<UploadState> {
    const unknown = new RegistryError('blob-upload-unknown', 'blob upload unknown to registry', { uuid });
    if (!UUID_RE.test(uuid)) throw unknown;
    const raw = await readFileIfExists(join(this.dir(uuid), 'state.json'));
    if (!raw) throw unknown;
    const meta = JSON.parse(raw.toString('utf8')) as { repository: string; startedAt: string };
    if (meta.repository !== repository) throw unknown;
    const s = await statIfExists(join(this.dir(uuid), 'data'));
    if (!s) throw unknown;
    return { uuid, repository, offset: s.size, startedAt: meta.startedAt };
  }

  /**
   * Appends `body` to the upload. With `range`, the chunk must start at the current offset
   * and (when its end is given) be exactly `end - start + 1` bytes long.
   */
  append(uuid: string, repository: string, body: Readable, range?: { start: number; end?: number }): Promise<UploadState> {
    return this.locked(uuid, async () => {
      const state = await this.get(uuid, repository);
      if (range && range.start !== state.offset) {
        body.resume();
        throw new RegistryError('range-invalid', 'chunk does not start at the end of the upload', { offset: state.offset, start: range.start });
      }
      const written = await this.write(state, body);
      if (range?.end !== undefined && written !== range.end - range.start + 1) {
        await this.rollback(state);
        throw new RegistryError('range-invalid', 'chunk length does not match its Content-Range', { range, received: written });
      }
      return { ...state, offset: state.offset + written };
    });
  }

  /**
   * Appends an optional last chunk (checked against `range` like `append`), verifies the whole content against `digest` and publishes
   * it as a blob. Returns the blob's size. The upload is gone afterwards, whatever the outcome
   * of the digest check.
   */
  finish(uuid: string, repository: string, digest: Digest, last?: Readable, range?: { start: number; end?: number }): Promise<number> {
    return this.locked(uuid, async () => {
      const state = await this.get(uuid, repository);
      if (range && range.start !== state.offset) {
        last?.resume();
        throw new RegistryError('range-invalid', 'chunk does not start at the end of the upload', { offset: state.offset, start: range.start });
      }
      const written = last ? await this.write(state, last) : 0;
      if (range?.end !== undefined && written !== range.end - range.start + 1) {
        await this.rollback(state);
        throw new RegistryError('range-invalid', 'chunk length does not match its Content-Range', { range, received: written });
      }
      const size = state.offset + written;
      const data = join(this.dir(uuid), 'data');
      const run = this.running.get(uuid);
      const hash = run && run.offset === size ? run.hashes[digest.algorithm] : undefined;
      const actual = hash ? hash.digest('hex') : await hashFile(data, digest.algorithm);
      this.running.delete(uuid);
      if (actual !== digest.hex) {
        await this.discard(uuid);
        throw new RegistryError('digest-invalid', 'provided digest did not match uploaded content', { expected: digest.value, actual: `${digest.algorithm}:${actual}` });
      }
      await this.blobs.publish(data, digest);
      await this.discard(uuid);
      return size;
    });
  }

  /** Cancels the upload; `blob-upload-unknown` when there is none. */
  async cancel(uuid: string, repository: string): Promise<void> {
    await this.locked(uuid, async () => {
      await this.get(uuid, repository);
      await this.discard(uuid);
    });
  }

  /** Removes uploads started before `olderThan` (ms since epoch); returns how many. */
  async purge(olderThan: number): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(join(this.root, 'uploads'));
    } catch {
      return 0;
    }
    let removed = 0;
    for (const uuid of entries) {
      const s = await statIfExists(join(this.dir(uuid), 'data'));
      const mtime = s?.mtimeMs ?? (await stat(this.dir(uuid)).catch(() => undefined))?.mtimeMs ?? 0;
      if (mtime < olderThan) {
        await this.discard(uuid);
        removed++;
      }
    }
    return removed;
  }

  /** Streams `body` onto the end of the data file, hashing as it goes; returns bytes written. */
  private async write(state: UploadState, body: Readable): Promise<number> {
    const run = this.running.get(state.uuid);
    const hashes = run && run.offset === state.offset ? Object.values(run.hashes) : [];
    if (run && run.offset !== state.offset) this.running.delete(state.uuid);
    let written = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
        for (const h of hashes) h.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, tap, createWriteStream(join(this.dir(state.uuid), 'data'), { flags: 'a' }));
    } catch (err) {
      await this.rollback(state);
      throw new RegistryError('blob-upload-invalid', 'upload chunk was interrupted', undefined, { cause: err });
    }
    if (run && hashes.length) run.offset = state.offset + written;
    return written;
  }

  /** Truncates the data file back to the state's offset; the running hash is no longer valid. */
  private async rollback(state: UploadState): Promise<void> {
    this.running.delete(state.uuid);
    await truncate(join(this.dir(state.uuid), 'data'), state.offset).catch(() => undefined);
  }

  private async discard(uuid: string): Promise<void> {
    this.running.delete(uuid);
    await rm(this.dir(uuid), { recursive: true, force: true });
  }

  /** Runs `fn` after every earlier operation on the same upload has settled. */
  private async locked<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(uuid) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.locks.set(uuid, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(uuid) === next) this.locks.delete(uuid);
    }
  }
}
