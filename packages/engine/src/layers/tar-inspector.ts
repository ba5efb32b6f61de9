import { posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { DrydockError } from '../errors.js';
import { TarFormatError, TarWalker, type TarHeader } from './tar-walker.js';

/** What a layer tar holds, learned while it streams past. */
export interface LayerTarSummary {
  entries: number;
  /** Regular-file bytes plus symlink target lengths: Docker's on-disk size of the layer. */
  unpackedSize: number;
}

/**
 * The rules a layer tar must keep, checked header by header as its bytes
 * arrive: no absolute paths, no `..` components, no hard links out of the
 * archive, and no entries placed beneath a symlink of the same archive (the
 * classic tar-slip). A truncated or non-tar input fails with `invalid-archive`.
 * `write` and `end` throw that error; the summary is complete after `end`.
 */
export class LayerTarCheck {
  private readonly walker = new TarWalker((header) => this.inspect(header));
  private readonly symlinks = new Set<string>();
  /** The parent directory whose ancestors were last found free of symlinks. */
  private checkedParent: string | undefined;
  readonly summary: LayerTarSummary = { entries: 0, unpackedSize: 0 };

  constructor(
    private readonly what = 'layer',
    private readonly opts: { allowEmpty?: boolean } = {},
  ) {}

  write(chunk: Buffer): void {
    try {
      this.walker.write(chunk);
    } catch (err) {
      throw this.asArchiveError(err as Error);
    }
  }

  end(): void {
    try {
      this.walker.end();
    } catch (err) {
      throw this.asArchiveError(err as Error);
    }
    if (this.summary.entries === 0 && !this.opts.allowEmpty) throw this.error('it holds no files');
  }

  private asArchiveError(err: Error): Error {
    return err instanceof TarFormatError ? this.error(describeTarError(err)) : err;
  }

  private error(reason: string): DrydockError {
    return new DrydockError('invalid-archive', `invalid ${this.what} tar: ${reason}`);
  }

  private inspect(header: TarHeader): void {
    this.summary.entries++;
    const name = confinedPath(header.name, () => this.error(`path escapes the root: ${JSON.stringify(header.name)}`));
    const parent = name.slice(0, Math.max(0, name.lastIndexOf('/')));
    // Entries of one directory come together: its ancestors were checked for the entry before.
    // A symlink added since cannot be one of them: it lies in the checked parent, not above it.
    if (parent !== this.checkedParent) {
      for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
        if (this.symlinks.has(name.slice(0, i))) throw this.error(`entry ${JSON.stringify(header.name)} lies beneath a symlink`);
      }
      this.checkedParent = parent;
    }
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        this.summary.unpackedSize += header.size;
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

/** A pass-through stream that fails, before anything is published, when the tar flowing through breaks a `LayerTarCheck` rule. */
export class TarInspector extends Transform {
  private readonly check: LayerTarCheck;

  constructor(what = 'layer', opts: { allowEmpty?: boolean } = {}) {
    super({ highWaterMark: 1 << 20 });
    this.check = new LayerTarCheck(what, opts);
  }

  get summary(): LayerTarSummary {
    return this.check.summary;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.check.write(chunk);
    } catch (err) {
      return cb(err as Error);
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.check.end();
    } catch (err) {
      return cb(err as Error);
    }
    cb();
  }
}

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
  // The usual name (`./usr/bin/x`, `etc/`): no `..`, no empty or `.` component but a leading
  // `./` and a trailing `/`, so cutting those two is the whole cleaning (a layer has thousands).
  if (!raw.includes('..') && !raw.includes('//') && !raw.includes('/./') && !raw.endsWith('/.')) {
    const start = raw.startsWith('./') ? 2 : raw === '.' ? 1 : 0;
    const end = raw.endsWith('/') ? raw.length - 1 : raw.length;
    return start < end ? raw.slice(start, end) : '';
  }
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw error();
  return parts.join('/');
}

/** A tar reader's failure (tar-stream's or the walker's, which share their messages) in words for a user. */
export function describeTarError(err: Error): string {
  const m = err.message;
  if (/unexpected end/i.test(m)) return 'the archive is truncated';
  if (/invalid tar header/i.test(m)) return 'not a tar archive, or it is corrupt';
  return m;
}
