import { posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import * as tar from 'tar-stream';
import { DrydockError } from '../errors.js';

/** What a layer tar holds, learned while it streams past. */
export interface LayerTarSummary {
  entries: number;
  /** Regular-file bytes plus symlink target lengths: Docker's on-disk size of the layer. */
  unpackedSize: number;
}

/**
 * A pass-through stream that parses the tar flowing through it and rejects
 * hostile archives before anything is published: absolute paths, `..`
 * components, hard links out of the archive, and entries placed beneath a
 * symlink of the same archive (the classic tar-slip). Truncated or non-tar
 * input fails with `invalid-archive`.
 */
export class TarInspector extends Transform {
  private readonly extract = tar.extract();
  private readonly symlinks = new Set<string>();
  private failure: Error | undefined;
  readonly summary: LayerTarSummary = { entries: 0, unpackedSize: 0 };

  constructor(
    private readonly what = 'layer',
    private readonly opts: { allowEmpty?: boolean } = {},
  ) {
    super({ highWaterMark: 1 << 20 });
    this.extract.on('entry', (header, stream, next) => {
      try {
        this.inspect(header);
      } catch (err) {
        this.fail(err as Error);
      }
      stream.on('end', next);
      // A truncated tar fails the entry too; the extract's own error reports it.
      stream.on('error', () => {});
      stream.resume();
    });
    this.extract.on('error', (err: Error) => this.fail(err));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.failure) return cb(this.failure);
    this.push(chunk);
    if (this.extract.write(chunk)) cb(this.failure ?? null);
    else this.extract.once('drain', () => cb(this.failure ?? null));
  }

  override _flush(cb: TransformCallback): void {
    if (this.failure) return cb(this.failure);
    this.extract.once('finish', () => cb(this.failure ?? (this.summary.entries === 0 && !this.opts.allowEmpty ? this.error('it holds no files') : null)));
    this.extract.end(undefined);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err instanceof DrydockError ? err : this.error(describeTarError(err));
    this.destroy(this.failure);
  }

  private error(reason: string): DrydockError {
    return new DrydockError('invalid-archive', `invalid ${this.what} tar: ${reason}`);
  }

  private inspect(header: tar.Header): void {
    this.summary.entries++;
    const name = confinedPath(header.name, () => this.error(`path escapes the root: ${JSON.stringify(header.name)}`));
    for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
      if (this.symlinks.has(name.slice(0, i))) throw this.error(`entry ${JSON.stringify(header.name)} lies beneath a symlink`);
    }
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        this.summary.unpackedSize += header.size ?? 0;
        break;
      case 'symlink':
        this.symlinks.add(name);
        this.summary.unpackedSize += Buffer.byteLength(header.linkname ?? '');
        break;
      case 'link':
        confinedPath(header.linkname ?? '', () => this.error(`hard link escapes the root: ${JSON.stringify(header.linkname)}`));
        break;
      default:
        break;
    }
  }
}

/** Cleans a tar member name (leading `./`, trailing `/`) and rejects absolute or `..` paths. */
/**
 * Docker's `Untar` rule for archives ADD extracts: the name is cleaned
 * (`a/../b` is `b`), a leading `/` is relative to the destination, and only
 * a name that still climbs out (`../x`) is refused.
 */
export function untarPath(raw: string, error: () => Error): string {
  const clean = posix.normalize(raw.startsWith('/') ? raw : `./${raw}`);
  if (clean === '..' || clean.startsWith('../')) throw error();
  return clean.replace(/^\/+/, '').replace(/^\.$/, '').replace(/\/$/, '');
}

/** A layer member's path: relative, with no `..` anywhere (layers are stricter than ADD archives). */
export function confinedPath(raw: string, error: () => Error): string {
  if (raw.startsWith('/')) throw error();
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw error();
  return parts.join('/');
}

function describeTarError(err: Error): string {
  const m = err.message;
  if (/unexpected end/i.test(m)) return 'the archive is truncated';
  if (/invalid tar header/i.test(m)) return 'not a tar archive, or it is corrupt';
  return m;
}
