import { randomBytes, createHash } from 'node:crypto';
import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync,
  openSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeSync, chmodSync, type Stats,
} from 'node:fs';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import type { Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { confinedPath, untarPath } from '../layers/tar-inspector.js';
import { ConfinedRoot, ioError, joinRel, lstatOrNull } from './confined.js';
import { PaxTap, xattrsOf } from './pax.js';
import { mknod, OPAQUE_XATTR, OVERLAY_XATTR_PREFIX, writeXattrs } from './xattr.js';

/** OCI whiteout name prefix: `.wh.<name>` deletes `<name>` from the layers below. */
export const WHITEOUT_PREFIX = '.wh.';
/** OCI opaque marker: `<dir>/.wh..wh..opq` hides everything the layers below have in `<dir>`. */
export const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * What to do with OCI whiteouts:
 * - `apply`: the target directory already holds the layers below (a flat
 *   rootfs); `.wh.x` removes `x`, the opaque marker removes everything in the
 *   directory this layer did not itself put there.
 * - `overlay`: the target is this layer's own overlay lower dir; `.wh.x`
 *   becomes an overlayfs whiteout (character device 0/0 named `x`) and the
 *   opaque marker the xattr `trusted.overlay.opaque=y` on the directory.
 */
export type WhiteoutMode = 'apply' | 'overlay';

export interface UnpackOptions {
  whiteouts: WhiteoutMode;
  /** Set numeric owners from the archive (default: when running as root). */
  sameOwner?: boolean;
  /** Digest the stream and fail with `digest-mismatch` unless it is this diff ID (sha256). */
  expectedDiffId?: Digest;
  /**
   * `layer` (default): member and hard-link names must be relative with no
   * `..`. `untar`: Docker's rules for ADD archives (see `untarPath`).
   */
  names?: 'layer' | 'untar';
}

export interface UnpackResult {
  entries: number;
  /** Bytes of regular-file content written. */
  bytes: number;
  whiteouts: number;
  /** Directories (relative paths) made opaque, in overlay mode. */
  opaqueDirs: string[];
  /** Files that received extended attributes. */
  xattrFiles: number;
}

interface Deferred {
  path: string;
  dev: number;
  ino: number;
}

/**
 * Applies a layer tar (uncompressed) to the directory `root`, which must exist.
 *
 * Contract:
 * - ROOT-CONFINED. Every entry is placed by `ConfinedRoot`: parent components
 *   are resolved with lstat, symlinks among them are followed *inside* the
 *   root (absolute targets restart at the root), the entry's own name is never
 *   followed. Names that are absolute or contain `..`, and hard links whose
 *   target is, fail with `invalid-archive`. Nothing outside `root` is created,
 *   modified or deleted, whatever the archive holds.
 * - An entry replaces what is at its path, except that a directory entry over
 *   an existing directory keeps the directory (and its content) and updates
 *   its metadata. Missing parent directories are created 0755 root:root.
 * - Preserved: mode (incl. setuid/setgid/sticky), numeric uid/gid (when
 *   `sameOwner`), mtime (directories' after all their content is written),
 *   symlinks (targets verbatim), hard links (to an earlier path inside the
 *   root; they share the target's metadata), character/block devices and
 *   FIFOs (`mknod`), and extended attributes from PAX `SCHILY.xattr.*`
 *   records, except `trusted.overlay.*`, which an archive may not set.
 * - Whiteouts per `opts.whiteouts`; other `.wh..wh.*` entries are ignored.
 * - Not atomic: on failure `root` holds part of the layer. Unpack into a fresh
 *   directory and rename it into place (as `Snapshotter` does) for atomicity.
 * - Fails with `invalid-archive` on corrupt/hostile archives, `digest-mismatch`,
 *   `unsupported` (sparse and unknown entry types, missing tools) or `io`.
 */
export async function unpackLayer(source: Readable, root: string, opts: UnpackOptions): Promise<UnpackResult> {
  const unpacker = new Unpacker(root, opts);
  const extract = tar.extract();
  const tap = new PaxTap();
  const hash = opts.expectedDiffId ? createHash('sha256') : null;
  source.on('data', (chunk: Buffer) => {
    tap.write(chunk);
    hash?.update(chunk);
    if (!extract.write(chunk)) source.pause();
  });
  extract.on('drain', () => source.resume());
  source.on('end', () => extract.end(undefined));
  source.on('error', (err) => extract.destroy(err));
  try {
    for await (const entry of extract) {
      const tapped = tap.shift();
      const header = entry.header;
      const xattrs = xattrsOf(tapped && tapped.name === header.name ? tapped.records : paxAsRecords(header.pax));
      await unpacker.entry(header, entry as AsyncIterable<Buffer>, xattrs);
    }
    unpacker.finish();
  } catch (err) {
    source.destroy();
    unpacker.abort();
    throw wrapTarError(err);
  }
  if (hash && opts.expectedDiffId) {
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== opts.expectedDiffId) throw new DrydockError('digest-mismatch', `layer content digest mismatch: expected ${opts.expectedDiffId}, got ${got}`);
  }
  return unpacker.result;
}

class Unpacker {
  readonly result: UnpackResult = { entries: 0, bytes: 0, whiteouts: 0, opaqueDirs: [], xattrFiles: 0 };
  private readonly fs: ConfinedRoot;
  private readonly sameOwner: boolean;
  /** Resolved paths this layer created (for opaque markers in apply mode). */
  private readonly unpacked = new Set<string>();
  private readonly dirTimes = new Map<string, Deferred & { atime: number; mtime: number }>();
  private xattrs: (Deferred & { attrs: [string, Buffer][] })[] = [];
  private whiteoutTemplate: string | null = null;

  private readonly pathOf: typeof confinedPath;
  private readonly what: string;

  constructor(root: string, private readonly opts: UnpackOptions) {
    this.fs = new ConfinedRoot(root);
    this.sameOwner = opts.sameOwner ?? process.getuid?.() === 0;
    this.pathOf = opts.names === 'untar' ? untarPath : confinedPath;
    this.what = opts.names === 'untar' ? 'archive' : 'layer tar';
  }

  async entry(h: tar.Header, data: AsyncIterable<Buffer>, xattrs: [string, Buffer][]): Promise<void> {
    this.result.entries++;
    // tar-stream applies PAX path, linkpath and size only; ids beyond ustar's 7 octal digits come in PAX too
    h.uid = paxNumber(h.pax, 'uid') ?? h.uid;
    h.gid = paxNumber(h.pax, 'gid') ?? h.gid;
    const name = this.pathOf(h.name, () => new DrydockError('invalid-archive', `invalid ${this.what}: path escapes the root: ${JSON.stringify(h.name)}`));
    const slash = name.lastIndexOf('/');
    const base = slash < 0 ? name : name.slice(slash + 1);
    const dirRel = slash < 0 ? '' : name.slice(0, slash);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      await drain(data);
      this.whiteout(dirRel, base);
      return;
    }
    if (name === '') {
      await drain(data);
      if (h.type === 'directory') this.applyDirMeta('', h, xattrs);
      return;
    }
    const parent = this.fs.dir(dirRel, true)!;
    const rel = joinRel(parent, base);
    const path = this.fs.host(rel);
    this.unpacked.add(rel);
    const mtime = paxTime(h.pax, 'mtime') ?? h.mtime.getTime() / 1000;
    try {
      switch (h.type) {
        case 'file':
        case 'contiguous-file':
          await this.writeFile(path, h, data, mtime);
          break;
        case 'directory':
          await drain(data);
          this.place(path, () => mkdirSync(path, 0o700), true);
          this.fs.remember(name, rel);
          this.applyDirMeta(rel, h, xattrs);
          return;
        case 'symlink':
          await drain(data);
          this.place(path, () => symlinkSync(h.linkname ?? '', path));
          if (this.sameOwner) lchownSync(path, h.uid, h.gid);
          lutimesSync(path, mtime, mtime);
          break;
        case 'link':
          await drain(data);
          this.hardLink(path, h.linkname ?? '');
          return;
        case 'character-device':
        case 'block-device':
        case 'fifo':
          await drain(data);
          if (lstatOrNull(path)) this.remove(path);
          mknod(path, h.type === 'fifo' ? 'p' : h.type === 'block-device' ? 'b' : 'c', h.mode, h.devmajor, h.devminor);
          if (this.sameOwner) lchownSync(path, h.uid, h.gid);
          chmodSync(path, h.mode & 0o7777);
          lutimesSync(path, mtime, mtime);
          break;
        default:
          throw new DrydockError('unsupported', `layer tar entry ${JSON.stringify(h.name)} has an unsupported type`);
      }
    } catch (err) {
      // errno failures are ours to describe; stream errors (truncation) are classified by unpackLayer
      throw typeof (err as NodeJS.ErrnoException).errno === 'number' ? ioError(`cannot create ${path}`, err) : err;
    }
    if (xattrs.length > 0) this.deferXattrs(path, xattrs);
  }

  /** Sets deferred xattrs and directory times, and drops the whiteout template. */
  finish(): void {
    this.abort();
    const items = this.xattrs.filter((x) => sameInode(x));
    writeXattrs(items.map((x) => ({ path: x.path, attrs: x.attrs })));
    this.result.xattrFiles = items.length;
    for (const d of this.dirTimes.values()) {
      if (sameInode(d)) lutimesSync(d.path, d.atime, d.mtime);
    }
  }

  /** Removes the whiteout template (also on failure). */
  abort(): void {
    if (this.whiteoutTemplate) unlinkSync(this.whiteoutTemplate);
    this.whiteoutTemplate = null;
  }

  private async writeFile(path: string, h: tar.Header, data: AsyncIterable<Buffer>, mtime: number): Promise<void> {
    let fd = -1;
    this.place(path, () => void (fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)));
    try {
      for await (const chunk of data) {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
        this.result.bytes += chunk.length;
      }
      if (this.sameOwner) fchownSync(fd, h.uid, h.gid);
      fchmodSync(fd, h.mode & 0o7777);
      futimesSync(fd, paxTime(h.pax, 'atime') ?? mtime, mtime);
    } finally {
      closeSync(fd);
    }
  }

  private applyDirMeta(rel: string, h: tar.Header, xattrs: [string, Buffer][]): void {
    const path = this.fs.host(rel);
    try {
      if (this.sameOwner) lchownSync(path, h.uid, h.gid);
      chmodSync(path, h.mode & 0o7777);
      const st = lstatSync(path);
      const mtime = paxTime(h.pax, 'mtime') ?? h.mtime.getTime() / 1000;
      this.dirTimes.set(rel, { path, dev: st.dev, ino: st.ino, atime: paxTime(h.pax, 'atime') ?? mtime, mtime });
    } catch (err) {
      throw ioError(`cannot set metadata of ${path}`, err);
    }
    if (xattrs.length > 0) this.deferXattrs(path, xattrs);
  }

  private hardLink(path: string, linkname: string): void {
    const target = this.pathOf(linkname, () => new DrydockError('invalid-archive', `invalid ${this.what}: hard link escapes the root: ${JSON.stringify(linkname)}`));
    const slash = target.lastIndexOf('/');
    const dir = this.fs.dir(slash < 0 ? '' : target.slice(0, slash), false);
    const targetPath = dir === null ? null : this.fs.host(joinRel(dir, target.slice(slash + 1)));
    const st = targetPath === null ? null : lstatOrNull(targetPath);
    if (targetPath === null || st === null || st.isDirectory()) {
      throw new DrydockError('invalid-archive', `invalid layer tar: hard link to ${JSON.stringify(linkname)}, which is not a file in the layer`);
    }
    try {
      this.place(path, () => linkSync(targetPath, path));
    } catch (err) {
      throw ioError(`cannot link ${path}`, err);
    }
  }

  private whiteout(dirRel: string, base: string): void {
    this.result.whiteouts++;
    const overlay = this.opts.whiteouts === 'overlay';
    if (base === OPAQUE_MARKER) {
      const dir = this.fs.dir(dirRel, overlay);
      if (dir === null) return;
      if (overlay) {
        const st = lstatSync(this.fs.host(dir));
        this.xattrs.push({ path: this.fs.host(dir), dev: st.dev, ino: st.ino, attrs: [[OPAQUE_XATTR, Buffer.from('y')]] });
        this.result.opaqueDirs.push(dir);
      } else {
        this.clearLower(dir);
      }
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return;
    const victim = base.slice(WHITEOUT_PREFIX.length);
    if (victim === '' || victim === '.' || victim === '..') {
      throw new DrydockError('invalid-archive', `invalid layer tar: bad whiteout ${JSON.stringify(joinRel(dirRel, base))}`);
    }
    let dir: string | null;
    try {
      dir = this.fs.dir(dirRel, overlay);
    } catch (err) {
      if (overlay || !(err instanceof DrydockError)) throw err;
      dir = null; // apply mode: a parent that is not a directory holds nothing to delete
    }
    if (dir === null) return;
    const path = this.fs.host(joinRel(dir, victim));
    if (lstatOrNull(path)) this.remove(path);
    if (!overlay) return;
    try {
      if (this.whiteoutTemplate === null) {
        const template = this.fs.host(`.drydock-whiteout-${randomBytes(6).toString('hex')}`);
        mknod(template, 'c', 0, 0, 0);
        this.whiteoutTemplate = template;
      }
      linkSync(this.whiteoutTemplate, path);
    } catch (err) {
      throw ioError(`cannot create whiteout ${path}`, err);
    }
    this.unpacked.add(joinRel(dir, victim));
  }

  /** Apply mode's opaque marker: removes what lower layers left in `dir`, keeping this layer's entries. */
  private clearLower(dir: string): void {
    for (const name of readdirSync(this.fs.host(dir))) {
      const rel = joinRel(dir, name);
      const path = this.fs.host(rel);
      if (!this.unpacked.has(rel)) this.remove(path);
      else if (lstatSync(path).isDirectory()) this.clearLower(rel);
    }
  }

  /**
   * Runs `create`; when the name is taken, removes what is there (unless it is
   * a directory and `keepDir`) and runs it again. Creating first and asking
   * later saves an lstat per entry on the common path.
   */
  private place(path: string, create: () => void, keepDir = false): void {
    try {
      create();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (keepDir && lstatSync(path).isDirectory()) return;
    this.remove(path);
    create();
  }

  /** Removes a path and forgets deferred work at or beneath it (a later entry may put a symlink there). */
  private remove(path: string): void {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (err) {
      throw ioError(`cannot remove ${path}`, err);
    }
    this.fs.invalidate();
    const gone = (p: string) => p === path || p.startsWith(`${path}/`);
    if (this.xattrs.some((x) => gone(x.path))) this.xattrs = this.xattrs.filter((x) => !gone(x.path));
    for (const [rel, d] of this.dirTimes) if (gone(d.path)) this.dirTimes.delete(rel);
  }

  private deferXattrs(path: string, xattrs: [string, Buffer][]): void {
    const attrs = xattrs.filter(([k]) => !k.startsWith(OVERLAY_XATTR_PREFIX));
    if (attrs.length === 0) return;
    const st = lstatSync(path);
    this.xattrs.push({ path, dev: st.dev, ino: st.ino, attrs });
  }
}

/** Whether `path` still names the inode recorded when it was created (so it lies inside the root). */
function sameInode(d: Deferred): boolean {
  let st: Stats;
  try {
    st = lstatSync(d.path);
  } catch {
    return false;
  }
  return st.dev === d.dev && st.ino === d.ino;
}

async function drain(data: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of data) {
    // discard
  }
}

function paxTime(pax: unknown, key: 'mtime' | 'atime'): number | undefined {
  const v = (pax as Record<string, string> | null | undefined)?.[key];
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function paxNumber(pax: unknown, key: 'uid' | 'gid'): number | undefined {
  const v = (pax as Record<string, string> | null | undefined)?.[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function paxAsRecords(pax: unknown): Map<string, Buffer> | null {
  if (!pax || typeof pax !== 'object') return null;
  return new Map(Object.entries(pax as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
}

function wrapTarError(err: unknown): unknown {
  if (err instanceof DrydockError) return err;
  const m = (err as Error | undefined)?.message ?? String(err);
  if (/unexpected end|invalid tar header|header exceeds/i.test(m)) return new DrydockError('invalid-archive', `invalid layer tar: ${m}`, { cause: err });
  return ioError('cannot unpack layer', err);
}
