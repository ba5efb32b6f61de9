import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Dirent, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { ioError, compareBytes, joinRel } from './confined.js';
import { isWhiteout, LowerStack, type LowerLayer } from './lower.js';
import { END_OF_ARCHIVE, encodeHeader, padding } from './tar-writer.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './unpack.js';
import { onlyXattr, OPAQUE_XATTR, OVERLAY_XATTR_PREFIX, readXattrsOf, readXattrTree, type Xattrs } from './xattr.js';

/**
 * `docker container diff` and `docker container commit` for an overlay
 * snapshot, computed from its upper dir and the lower dirs beneath it.
 *
 * Words: the *upper* dir is what overlayfs wrote for the container (a changed
 * file is copied up whole; a deleted name is a whiteout, a character device
 * 0/0; a directory removed and created again is *opaque*,
 * `trusted.overlay.opaque=y`). The *lowers* are the image's layer dirs, top
 * first. A path *exists below* when the lower stack shows something there
 * (see `LowerStack`). Paths are absolute in changes (`/etc/passwd`) and
 * relative in tar entries (`etc/passwd`).
 */

export type ChangeKind = 'A' | 'C' | 'D';


export interface Change {
  kind: ChangeKind;
  /** Absolute path inside the container, `/a/b`. */
  path: string;
}

export interface DiffOptions {
  /**
   * Paths left out of the diff and the layer tar, with everything beneath
   * them: the bind-mount points Docker never commits (`/etc/hosts`,
   * `/etc/hostname`, `/etc/resolv.conf` when the runtime bind-mounts them).
   */
  excludePaths?: readonly string[];
  /**
   * Seconds since the epoch: later modification times in the layer tar are
   * set to it (`SOURCE_DATE_EPOCH`, BuildKit's rewrite-timestamp), so the same
   * inputs give the same layer digest.
   */
  clampMtime?: number;
}

interface Visit {
  rel: string;
  st: Stats;
  whiteout: boolean;
  opaque: boolean;
  /** What the lower stack shows at this path, null when nothing (or an upper ancestor is opaque). */
  below: Stats | null;
  /** Whether the lower stack is visible beneath this directory (descend with this). */
  mergesBelow: boolean;
}

/**
 * The changes `docker container diff` lists, sorted by path (byte order).
 *
 * - `A` — the path does not exist below and is not a whiteout.
 * - `D` — a whiteout over something that exists below: one line for a
 *   deleted subtree (overlayfs leaves a single whiteout for it). Whiteouts
 *   over nothing change nothing and are not listed.
 * - `C` — a non-directory that exists below (modified, or replaced by another
 *   type); a directory that exists below whose mode or owner differ; a directory
 *   replaced by an opaque one (its children then all show as `A`); and every
 *   ancestor directory of another change that exists below.
 *
 * Excluded paths and their subtrees are neither listed nor make their
 * parents `C`.
 */
export function changes(upper: string, lowers: readonly (string | LowerLayer)[], opts: DiffOptions = {}): Change[] {
  const lower = new LowerStack(lowers);
  const exclude = excludeSet(opts.excludePaths);
  // Only a directory that is a directory below too can hide something by being opaque.
  const shared = sharedDirs(upper, lower, exclude);
  const opaqueDirs = new Set<string>();
  for (const [abs, attrs] of readXattrsOf(shared.map((rel) => `${upper}/${rel}`), onlyXattr(OPAQUE_XATTR))) {
    if (attrs.get(OPAQUE_XATTR)?.toString('latin1') === 'y') opaqueDirs.add(abs.slice(upper.length + 1));
  }
  const kinds = new Map<string, ChangeKind>();
  const existingDirs = new Set<string>();
  const added = (rel: string): void => void kinds.set(rel, 'A');
  const visit = (v: Visit): void => {
    if (v.whiteout) {
      if (v.below) kinds.set(v.rel, 'D');
      return;
    }
    if (!v.below) kinds.set(v.rel, 'A');
    else if (!v.st.isDirectory() || !v.below.isDirectory() || v.opaque || !sameMeta(v.st, v.below)) kinds.set(v.rel, 'C');
    else existingDirs.add(v.rel);
  };
  // Beneath a directory nothing shows through, every entry is new: listed without a stat.
  walkUpper(upper, lower, opaqueDirs, exclude, visit, (rel) => listNew(upper, rel, exclude, added));
  for (const parent of changedParents(kinds.keys(), existingDirs)) kinds.set(parent, 'C');
  return [...kinds.entries()]
    .map(([rel, kind]) => ({ kind, path: `/${rel}` }))
    .sort((a, b) => compareBytes(a.path, b.path));
}

/** The kept directories (`kept.has`) above any of `changed`: Docker lists each as `C`. */
export function changedParents(changed: Iterable<string>, kept: { has(rel: string): boolean }): Set<string> {
  const out = new Set<string>();
  for (const rel of changed) {
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) {
      const parent = rel.slice(0, i);
      if (kept.has(parent)) out.add(parent);
    }
  }
  return out;
}

/** Docker's output: one `K /path` line per change. */
export function formatChanges(list: readonly Change[]): string {
  return list.map((c) => `${c.kind} ${c.path}\n`).join('');
}

/**
 * The upper dir as an OCI layer tar (uncompressed), what `docker commit`
 * stores as the new layer:
 *
 * - every entry of the upper dir (so the parent directories of a change are
 *   included, as overlayfs copied them up), depth first, names in byte order
 *   within a directory, directories before their content — deterministic for
 *   a given tree;
 * - a whiteout over something that exists below becomes an empty regular
 *   file `.wh.<name>` (mode 0600, the whiteout's owner and mtime); an opaque
 *   directory that exists below is followed by `<dir>/.wh..wh..opq` (the
 *   directory's mode, owner and mtime);
 * - hard links within the tar for files with several names; sockets left
 *   out (as Docker); extended attributes as `SCHILY.xattr.*` except
 *   overlayfs's own `trusted.overlay.*` and `security.selinux`;
 * - `opts.excludePaths` and their subtrees left out.
 *
 * Files are read as the stream is consumed; a file that changes meanwhile is
 * cut or zero-padded to the size it had when its header was written.
 */
export function upperToLayerTar(upper: string, lowers: readonly (string | LowerLayer)[], opts: DiffOptions = {}): Readable {
  return Readable.from(coalesce(generateTar(upper, lowers, opts)), { objectMode: false });
}

/**
 * Joins the generator's many small pieces (a header, a small file, its padding) into
 * chunks of at least 256 KiB: a stream pays per chunk, and a layer of 10,000 small
 * files would otherwise be 30,000 of them.
 */
export async function* coalesce(pieces: AsyncIterable<Buffer>, min = 256 << 10): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let size = 0;
  for await (const piece of pieces) {
    if (piece.length >= min && size === 0) {
      yield piece;
      continue;
    }
    held.push(piece);
    size += piece.length;
    if (size >= min) {
      yield Buffer.concat(held, size);
      held = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(held, size);
}

function clamp(mtime: number, limit: number | undefined): number {
  return limit !== undefined && mtime > limit ? limit : mtime;
}

async function* generateTar(upper: string, lowers: readonly (string | LowerLayer)[], opts: DiffOptions): AsyncGenerator<Buffer> {
  const xattrs = readXattrTree(upper, '-');
  const entries: LayerEntry[] = [];
  walkUpper(upper, new LowerStack(lowers), opaqueIn(xattrs), excludeSet(opts.excludePaths), (v) => {
    if (!v.whiteout) entries.push({ rel: v.rel, st: v.st, opaque: v.opaque && v.below !== null });
    else if (v.below) entries.push({ rel: v.rel, whiteout: { uid: v.st.uid, gid: v.st.gid, mtime: v.st.mtimeMs / 1000 } });
  });
  yield* encodeLayer(upper, entries, xattrs, opts);
}

/**
 * One entry of a layer tar: the path `rel` of the tree being written, as
 * `st` describes it (a directory marked `opaque` is followed by its
 * `.wh..wh..opq`), or a whiteout `.wh.<name>` for a deleted name.
 */
export type LayerEntry = { rel: string; st: Stats; opaque?: boolean } | { rel: string; whiteout: { uid: number; gid: number; mtime: number } };

/**
 * The tar of `entries` (in the order given) read from `root`: hard links
 * within the tar for files with several names; sockets left out (as Docker);
 * extended attributes (`xattrs`, by relative path) as `SCHILY.xattr.*`
 * except overlayfs's own and `security.selinux`; a whiteout as an empty
 * regular file, mode 0600.
 */
export async function* encodeLayer(root: string, entries: Iterable<LayerEntry>, xattrs: Map<string, Xattrs>, opts: DiffOptions): AsyncGenerator<Buffer> {
  const links = new Map<string, string>();
  for (const e of entries) {
    const base = e.rel.slice(e.rel.lastIndexOf('/') + 1);
    const dirRel = e.rel.slice(0, e.rel.length - base.length).replace(/\/$/, '');
    if ('whiteout' in e) {
      const w = e.whiteout;
      yield encodeHeader({ mode: 0o600, uid: w.uid, gid: w.gid, mtime: clamp(w.mtime, opts.clampMtime), size: 0, name: joinRel(dirRel, WHITEOUT_PREFIX + base), type: 'file' });
      continue;
    }
    const st = e.st;
    const common = { mode: st.mode, uid: st.uid, gid: st.gid, mtime: clamp(st.mtimeMs / 1000, opts.clampMtime), size: 0 };
    const attrs = keptXattrs(xattrs.get(e.rel));
    if (st.isDirectory()) {
      yield encodeHeader({ ...common, name: e.rel, type: 'directory', xattrs: attrs });
      if (e.opaque) yield encodeHeader({ ...common, mode: st.mode & 0o7777, name: joinRel(e.rel, OPAQUE_MARKER), type: 'file' });
    } else if (st.isSymbolicLink()) {
      yield encodeHeader({ ...common, name: e.rel, type: 'symlink', linkname: readlinkSync(`${root}/${e.rel}`), xattrs: attrs });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) {
        yield encodeHeader({ ...common, name: e.rel, type: 'link', linkname: first });
        continue;
      }
      if (st.nlink > 1) links.set(key, e.rel);
      yield encodeHeader({ ...common, size: st.size, name: e.rel, type: 'file', xattrs: attrs });
      yield* readFile(`${root}/${e.rel}`, st.size);
      yield padding(st.size);
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const [devmajor, devminor] = splitDev(st.rdev);
      const type = st.isCharacterDevice() ? 'character-device' : 'block-device';
      yield encodeHeader({ ...common, name: e.rel, type, devmajor, devminor, xattrs: attrs });
    } else if (st.isFIFO()) {
      yield encodeHeader({ ...common, name: e.rel, type: 'fifo', xattrs: attrs });
    }
  }
  yield END_OF_ARCHIVE;
}

/**
 * Depth-first walk of the upper dir (names in byte order), skipping excluded
 * subtrees, never following symlinks; tells `visit` what lies below each path.
 */
/**
 * Walks the upper dir in byte order, directories before their content.
 * With `descendNew`, a directory the lower stack does not show through is
 * handed to it instead of being walked.
 */
function walkUpper(upper: string, lower: LowerStack, opaqueDirs: Set<string>, exclude: Set<string>, visit: (v: Visit) => void, descendNew?: (rel: string) => void): void {
  const recurse = (dir: string, mergesBelow: boolean): void => {
    let names: string[];
    try {
      names = readdirSync(dir === '' ? upper : `${upper}/${dir}`).sort(compareBytes);
    } catch (err) {
      throw ioError(`cannot read ${upper}/${dir}`, err);
    }
    for (const name of names) {
      const rel = joinRel(dir, name);
      if (exclude.has(rel)) continue;
      let st: Stats;
      try {
        st = lstatSync(`${upper}/${rel}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed while we walk
        throw ioError(`cannot stat ${upper}/${rel}`, err);
      }
      const below = mergesBelow ? lower.lookup(rel) : null;
      const opaque = st.isDirectory() && opaqueDirs.has(rel);
      const v: Visit = { rel, st, whiteout: isWhiteout(st), opaque, below, mergesBelow: below !== null && below.isDirectory() && !opaque };
      visit(v);
      if (!st.isDirectory()) continue;
      if (descendNew && !v.mergesBelow) descendNew(rel);
      else recurse(rel, v.mergesBelow);
    }
  };
  recurse('', true);
}

/** The upper dirs that are directories below too (a superset when an ancestor is opaque). */
function sharedDirs(upper: string, lower: LowerStack, exclude: Set<string>): string[] {
  const out: string[] = [];
  const recurse = (dir: string): void => {
    for (const entry of readDir(upper, dir)) {
      const rel = joinRel(dir, entry.name);
      if (!entry.isDirectory() || exclude.has(rel) || !lower.lookup(rel)?.isDirectory()) continue;
      out.push(rel);
      recurse(rel);
    }
  };
  recurse('');
  return out;
}

/** Everything beneath `dir`, a directory with nothing below it: all `A`, but for stray whiteouts. */
function listNew(upper: string, dir: string, exclude: Set<string>, add: (rel: string) => void): void {
  for (const entry of readDir(upper, dir)) {
    const rel = joinRel(dir, entry.name);
    if (exclude.has(rel)) continue;
    if (entry.isCharacterDevice() && isWhiteoutAt(`${upper}/${rel}`)) continue;
    add(rel);
    if (entry.isDirectory()) listNew(upper, rel, exclude, add);
  }
}

function readDir(upper: string, dir: string): Dirent[] {
  try {
    return readdirSync(dir === '' ? upper : `${upper}/${dir}`, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []; // removed while we walk
    throw ioError(`cannot read ${upper}/${dir}`, err);
  }
}

function isWhiteoutAt(path: string): boolean {
  try {
    return isWhiteout(lstatSync(path));
  } catch {
    return false;
  }
}

function opaqueIn(xattrs: Map<string, Xattrs>): Set<string> {
  const out = new Set<string>();
  for (const [rel, attrs] of xattrs) if (attrs.get(OPAQUE_XATTR)?.toString('latin1') === 'y') out.add(rel);
  return out;
}

function keptXattrs(attrs: Xattrs | undefined): [string, Buffer][] | undefined {
  if (!attrs) return undefined;
  const kept = [...attrs].filter(([k]) => !k.startsWith(OVERLAY_XATTR_PREFIX) && k !== 'security.selinux');
  return kept.length > 0 ? kept : undefined;
}

export function excludeSet(paths: readonly string[] | undefined): Set<string> {
  return new Set((paths ?? []).map((p) => p.split('/').filter((c) => c !== '' && c !== '.').join('/')).filter((p) => p !== ''));
}

/**
 * Same directory metadata for `docker diff`: type and permissions and owner.
 * Like Docker (moby's statDifferent), a directory's mtime and size are not a
 * change: creating a mount point or a file inside changes them, and the file
 * itself is what is reported (its parents then show as `C`).
 */
function sameMeta(a: Stats, b: Stats): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}

/** glibc's major/minor split of a dev_t. */
function splitDev(rdev: number): [number, number] {
  const d = BigInt(rdev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  return [major, minor];
}

function* readFile(path: string, size: number): Generator<Buffer> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw ioError(`cannot read ${path}`, err);
  }
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(left, 1 << 20));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) {
        yield Buffer.alloc(left);
        return;
      }
      left -= n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Re-exported for callers that diff a snapshot by hand. */
export { LowerStack, type LowerLayer };
