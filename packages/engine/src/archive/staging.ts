import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { DigestingStream, type Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { confinedPath, describeTarError } from '../layers/tar-inspector.js';
import { TarSniffer, type SniffResult } from '../layers/tar-sniffer.js';
import { stagingName } from '../store/content-store.js';

export interface StagedFile {
  /** Where the bytes are on disk (inside the staging directory). */
  path: string;
  digest: Digest;
  size: number;
  /** The member inspected as a layer tar while it was staged (a layer needs no second read). */
  tar: SniffResult;
}

/**
 * An archive unpacked into a private directory under the state root, by
 * member name. Nothing is written outside that directory whatever the member
 * names say: files are stored under generated names, and links are resolved
 * by name within the archive only.
 */
export class StagedArchive {
  private readonly files = new Map<string, StagedFile>();
  private readonly links = new Map<string, string>();

  private constructor(readonly dir: string) {}

  static async extract(input: Readable, tmpRoot: string): Promise<StagedArchive> {
    const dir = join(tmpRoot, stagingName('archive-'));
    mkdirSync(dir, { recursive: true });
    const staged = new StagedArchive(dir);
    try {
      await staged.fill(input);
      return staged;
    } catch (err) {
      staged.dispose();
      throw err;
    }
  }

  private async fill(input: Readable): Promise<void> {
    const extract = tar.extract();
    let counter = 0;
    let entries = 0;
    let streamError: Error | undefined;
    const done = pipeline(input, extract).catch((err: Error) => {
      streamError = err;
    });
    try {
      await this.consume(extract, () => counter++, () => entries++);
    } catch (err) {
      await done;
      throw asArchiveError(err instanceof DrydockError ? err : (streamError ?? (err as Error)));
    }
    await done;
    if (streamError) throw asArchiveError(streamError);
    if (entries === 0) throw new DrydockError('invalid-archive', 'invalid archive: it is empty');
  }

  private async consume(extract: tar.Extract, nextId: () => number, counted: () => void): Promise<void> {
    for await (const entry of extract) {
      counted();
      const header = entry.header;
      const member = confinedPath(header.name, () => new DrydockError('invalid-archive', `invalid archive: member ${JSON.stringify(header.name)} escapes the archive`));
      if (header.type === 'file' || header.type === 'contiguous-file') {
        const path = join(this.dir, String(nextId()));
        const digester = new DigestingStream();
        const sniffer = new TarSniffer();
        await pipeline(entry, digester, sniffer, createWriteStream(path, { highWaterMark: 1 << 20 }));
        this.files.set(member, { path, digest: digester.digest(), size: digester.bytes, tar: sniffer.result });
      } else {
        if (header.type === 'symlink') this.links.set(member, posix.join(posix.dirname(member), header.linkname ?? ''));
        else if (header.type === 'link') this.links.set(member, header.linkname ?? '');
        entry.resume();
      }
    }
  }

  /** The file a member name refers to, following the archive's own links. */
  file(member: string): StagedFile | undefined {
    let name = posix.normalize(member).replace(/^\.\//, '');
    for (let hops = 0; hops < 16; hops++) {
      const f = this.files.get(name);
      if (f) return f;
      const target = this.links.get(name);
      if (target === undefined) return undefined;
      name = posix.normalize(target).replace(/^\.\//, '');
      if (name.startsWith('../') || name.startsWith('/')) return undefined;
    }
    return undefined;
  }

  has(member: string): boolean {
    return this.file(member) !== undefined;
  }

  read(member: string, what: string): Buffer {
    const f = this.file(member);
    if (!f) throw new DrydockError('invalid-archive', `invalid archive: ${what} ${JSON.stringify(member)} is missing`);
    return readFileSync(f.path);
  }

  json<T>(member: string, what: string): T {
    try {
      return JSON.parse(this.read(member, what).toString('utf8')) as T;
    } catch (err) {
      if (err instanceof DrydockError) throw err;
      throw new DrydockError('invalid-archive', `invalid archive: ${what} ${member} is not valid JSON`);
    }
  }

  contents(f: StagedFile): Buffer {
    return readFileSync(f.path);
  }

  open(f: StagedFile): Readable {
    return createReadStream(f.path, { highWaterMark: 1 << 20 });
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function asArchiveError(err: Error): Error {
  return err instanceof DrydockError ? err : new DrydockError('invalid-archive', `invalid archive: ${describeTarError(err)}`, { cause: err });
}
