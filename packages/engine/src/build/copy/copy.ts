/**
 * COPY and ADD applied to a directory (a stage's working rootfs), with
 * BuildKit's semantics (dockerfile2llb + the file backend + fsutil's copy):
 *
 * Sources
 * - Paths are relative to the source tree (the context, or a rootfs for
 *   `COPY --from`), cleaned so `..` cannot leave it. A named symlink is
 *   followed (inside the tree) and the copy takes the link's name. A
 *   directory's *contents* are copied, not the directory. Symlinks inside a
 *   copied directory stay symlinks; hard links among copied files stay hard
 *   links. Ignored (.dockerignore) files do not exist.
 * - Wildcards follow Go's `filepath.Match` (see `expandWildcards`); a
 *   wildcard matching nothing copies nothing. A plain source that does not
 *   exist fails: `failed to compute cache key: "/x": not found`.
 * - Inline (heredoc) sources are files of mode 0644.
 * - ADD only: `http(s)://` URLs (see `url.ts`), and local archives, which
 *   are extracted into the destination (see `extract.ts`).
 *
 * Destination
 * - Relative to `workdir`; `.`, a trailing `/` or `/.` mark a directory.
 *   Symlinks on the way (the last component's included) resolve inside the
 *   rootfs: nothing is ever written outside it.
 * - A file onto an existing directory goes inside it; onto a file replaces
 *   it. A directory's contents merge into an existing directory.
 * - Missing directories are created 0755 (as Docker 20.10; newer fsutil uses the `--chmod` mode), owned
 *   by the `--chown` owner or 0:0. The top-level destination directory keeps
 *   its mode and owner and takes the source directory's times.
 * - Several sources need a destination ending in `/` or an existing
 *   directory (Docker's documented rule; BuildKit would let each overwrite
 *   the last).
 *
 * Metadata: the source's mode (or `--chmod`), times (atime and mtime, as
 * BuildKit's COPY), and owner: 0:0 from a context, the source's own from a
 * rootfs, or `--chown`. `security.capability` is carried over from a rootfs
 * source when getfattr/setfattr are installed. `--link` is accepted and
 * gives the same files.
 *
 * Errors: `not-found` (missing source), `invalid-argument` (bad flags, a
 * URL for COPY, a destination that is not a directory where it must be),
 * `invalid-archive`, `digest-mismatch` (ADD --checksum), `unsupported` (git
 * sources), `io`.
 */
import { chmodSync, constants, copyFileSync, lchownSync, linkSync, lutimesSync, mkdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { DrydockError } from '../../errors.js';
import { goPathClean } from '../../dockerfile/ignore/go-path.js';
import { haveXattrTools, mknod, onlyXattr, readXattrTree, writeXattrs } from '../../snapshot/xattr.js';
import { cleanSource, expandWildcards, followMatch, hasWildcards, hostPath, walkTree, type SourceTree, type TreeEntry } from '../context/tree.js';
import { required, type SourceSpec } from '../context/hash.js';
import { isArchiveFile } from './archive.js';
import { baseRel, DestRoot, dirRel, ioError, joinRel } from './dest.js';
import { extractArchive } from './extract.js';
import { parseChmod, resolveChown, type Owner } from './owner.js';
import { download, isGitUrl, isHttpSource, parseChecksum, urlFileName } from './url.js';

export interface CopyOptions {
  /** Where path sources are found: a `BuildContext`, or `rootfsTree(dir)` for `--from`. */
  from: SourceTree;
  /** Sources in order: paths (wildcards allowed), URLs (ADD), inline documents. */
  sources: readonly SourceSpec[];
  /** The destination as written. */
  dest: string;
  /** The stage's WORKDIR, absolute (default `/`). */
  workdir?: string;
  /** ADD instead of COPY. */
  add?: boolean;
  /** `--chown` as written. */
  chown?: string;
  /** `--chmod` as written (octal). */
  chmod?: string;
  /** `--link`: accepted; the files written are the same. */
  link?: boolean;
  /** ADD `--checksum=sha256:…` for a single URL source. */
  checksum?: string;
  /** For URL sources (default: the global fetch). */
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
  /** mtime of inline (heredoc) files (default: now). */
  now?: Date;
}

export interface CopyResult {
  files: number;
  dirs: number;
  symlinks: number;
  /** Hard links made to files copied earlier in the same source. */
  hardlinks: number;
  /** Devices and FIFOs. */
  special: number;
  /** Bytes of file content written (archives: extracted bytes). */
  bytes: number;
  /** Archives extracted (ADD). */
  archives: number;
  /** Digests of URL contents fetched (ADD), for the cache key. */
  downloads: { url: string; digest: string }[];
}

type Item = { kind: 'tree'; entry: TreeEntry; base: string } | { kind: 'inline'; name: string; content: Buffer } | { kind: 'url'; url: string };

/** Runs one COPY or ADD into `root`. */
export async function copyInto(root: string, opts: CopyOptions): Promise<CopyResult> {
  const cmd = opts.add ? 'ADD' : 'COPY';
  const mode = parseChmod(opts.chmod);
  if (opts.checksum !== undefined && opts.checksum !== '') {
    if (!opts.add) throw new DrydockError('invalid-argument', "checksum can't be specified for COPY");
    if (opts.sources.length !== 1) throw new DrydockError('invalid-argument', "checksum can't be specified for multiple sources");
    const only = opts.sources[0];
    if (typeof only !== 'string' || !isHttpSource(only)) throw new DrydockError('invalid-argument', 'checksum requires HTTP(S) or Git sources');
    parseChecksum(opts.checksum);
  }
  const dest = new DestRoot(root);
  const owner = opts.chown ? resolveChown(root, opts.chown) : null;
  const { rel: destRel, dirMarked } = destination(opts.dest, opts.workdir ?? '/');
  const items = collect(opts);
  if (items.length > 1 && !dirMarked && !dest.lstat(dest.resolve(destRel).rel)?.isDirectory()) {
    throw new DrydockError('invalid-argument', `When using ${cmd} with more than one source file, the destination must be a directory and end with a /`);
  }
  const result: CopyResult = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, special: 0, bytes: 0, archives: 0, downloads: [] };
  // Directories the copy creates are 0755 whatever --chmod says, as with Docker 20.10's BuildKit.
  const dirMode = 0o755;
  for (const item of items) {
    dest.mkdirAll(dirMarked ? destRel : dirRel(destRel), dirMode, owner);
    const dst = dest.resolve(destRel).rel;
    if (item.kind === 'tree') {
      const srcHost = hostPath(opts.from, item.entry.rel);
      if (opts.add && item.entry.stat.isFile() && isArchiveFile(srcHost)) {
        const x = await extractArchive(dest, srcHost, dst, owner, JSON.stringify(`/${item.entry.rel}`));
        result.archives++;
        result.bytes += x.bytes;
        continue;
      }
      const srcIsDir = item.entry.stat.isDirectory();
      const dstIsDir = dest.lstat(dst)?.isDirectory() ?? false;
      const target = !srcIsDir && dstIsDir ? joinRel(dst, item.base) : dst;
      if (srcIsDir && dest.lstat(dst) === null) dest.mkdirAll(target, dirMode, owner);
      else dest.mkdirAll(dirRel(target), dirMode, owner);
      new TreeCopier(dest, opts.from, owner, mode, result).copyItem(item.entry, target);
      continue;
    }
    const name = item.kind === 'inline' ? baseRel(cleanSource(item.name)) || '__unnamed__' : urlFileName(item.url);
    const target = dest.lstat(dst)?.isDirectory() ? joinRel(dst, name) : dst;
    const parent = dest.mkdirAll(dirRel(target), dirMode, owner);
    const placed = joinRel(parent, baseRel(target));
    if (dest.lstat(placed)?.isDirectory()) throw new DrydockError('invalid-argument', `cannot replace to directory ${dest.show(placed)} with file`);
    const path = dest.host(placed);
    const fileOwner = owner ?? { uid: 0, gid: 0 };
    if (item.kind === 'inline') {
      if (dest.lstat(placed)) unlinkSync(path);
      writeFileSync(path, item.content, { flag: 'wx', mode: 0o600 });
      finishFile(dest, path, fileOwner, mode ?? 0o644, opts.now ?? new Date());
      result.bytes += item.content.length;
    } else {
      const got = await download(item.url, dest.host(parent), {
        ...(opts.checksum ? { checksum: opts.checksum } : {}),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      renameSync(got.tmpPath, path);
      finishFile(dest, path, fileOwner, mode ?? 0o600, got.mtime);
      result.bytes += got.size;
      result.downloads.push({ url: item.url, digest: got.digest });
    }
    result.files++;
  }
  return result;
}

/** The destination as an in-root path, and whether it names a directory. */
function destination(dest: string, workdir: string): { rel: string; dirMarked: boolean } {
  const p = dest === '' || dest === '.' ? './' : dest;
  const abs = p.startsWith('/') ? p : `${workdir.startsWith('/') ? workdir : `/${workdir}`}/${p}`;
  return { rel: goPathClean(abs).slice(1), dirMarked: p.endsWith('/') || p.endsWith('/.') };
}

function collect(opts: CopyOptions): Item[] {
  const items: Item[] = [];
  for (const src of opts.sources) {
    if (typeof src !== 'string') {
      items.push({ kind: 'inline', name: src.name, content: Buffer.from(src.content) });
    } else if (isGitUrl(src)) {
      if (!opts.add) throw new DrydockError('invalid-argument', "source can't be a git ref for COPY");
      throw new DrydockError('unsupported', `ADD of a git repository is not supported: ${src}`);
    } else if (isHttpSource(src)) {
      if (!opts.add) throw new DrydockError('invalid-argument', "source can't be a URL for COPY");
      items.push({ kind: 'url', url: src });
    } else {
      const clean = cleanSource(src);
      if (hasWildcards(clean)) {
        for (const m of expandWildcards(opts.from, clean)) items.push({ kind: 'tree', entry: followMatch(opts.from, m), base: baseRel(m.rel) });
      } else {
        items.push({ kind: 'tree', entry: required(opts.from, clean), base: baseRel(clean) });
      }
    }
  }
  return items;
}

function finishFile(dest: DestRoot, path: string, owner: Owner, mode: number, mtime: Date): void {
  try {
    if (owner.uid !== dest.processOwner.uid || owner.gid !== dest.processOwner.gid) lchownSync(path, owner.uid, owner.gid);
    chmodSync(path, mode);
    lutimesSync(path, mtime, mtime);
  } catch (err) {
    throw ioError(`cannot set metadata of ${path}`, err);
  }
}

let xattrToolsPresent: boolean | undefined;
function xattrTools(): boolean {
  xattrToolsPresent ??= haveXattrTools();
  return xattrToolsPresent;
}

/** Copies one source entry (recursively) to a target path, fsutil's `copier`. */
class TreeCopier {
  private readonly inodes = new Map<string, string>();
  private xattrs: Map<string, Map<string, Buffer>> | null = null;
  private readonly pendingXattrs: { path: string; attrs: Map<string, Buffer> }[] = [];
  private itemRoot = '';

  constructor(
    private readonly dest: DestRoot,
    private readonly tree: SourceTree,
    private readonly owner: Owner | null,
    private readonly mode: number | undefined,
    private readonly result: CopyResult,
  ) {}

  copyItem(src: TreeEntry, target: string): void {
    this.itemRoot = src.rel;
    if (this.tree.kind === 'rootfs' && xattrTools()) {
      this.xattrs = readXattrTree(hostPath(this.tree, src.rel), onlyXattr('security.capability'));
    }
    this.copy(src, target, true, false);
    writeXattrs(this.pendingXattrs);
  }

  /** `inFreshDir`: the parent was created by this copy, so nothing is at `target` yet. */
  private copy(src: TreeEntry, target: string, top: boolean, inFreshDir: boolean): void {
    const { stat } = src;
    const srcHost = hostPath(this.tree, src.rel);
    const path = this.dest.host(target);
    const existing = inFreshDir ? null : this.dest.lstat(target);
    try {
      if (stat.isDirectory()) {
        let created = false;
        if (existing === null) {
          mkdirSync(path, 0o700);
          created = true;
        } else if (!existing.isDirectory()) {
          throw new DrydockError('invalid-argument', `cannot copy to non-directory: ${this.dest.show(target)}`);
        }
        walkTree(this.tree, src.rel, (child) => {
          this.copy(child, joinRel(target, baseRel(child.rel)), false, created);
          return 'skip';
        });
        if (created || !top) this.setMeta(stat, path, created);
        else lutimesSync(path, stat.atimeMs / 1000, stat.mtimeMs / 1000);
        this.result.dirs++;
        this.noteXattrs(src.rel, path);
        return;
      }
      if (existing?.isDirectory()) throw new DrydockError('invalid-argument', `cannot replace to directory ${this.dest.show(target)} with file`);
      if (existing) unlinkSync(path);
      if (stat.isFile()) {
        const key = `${stat.dev}:${stat.ino}`;
        const first = stat.nlink > 1 ? this.inodes.get(key) : undefined;
        if (first !== undefined) {
          linkSync(first, path);
          this.result.hardlinks++;
          return;
        }
        copyFileSync(srcHost, path, constants.COPYFILE_EXCL);
        if (stat.nlink > 1) this.inodes.set(key, path);
        this.result.files++;
        this.result.bytes += stat.size;
      } else if (stat.isSymbolicLink()) {
        symlinkSync(readlinkSync(srcHost), path);
        this.result.symlinks++;
      } else if (stat.isFIFO() || stat.isCharacterDevice() || stat.isBlockDevice()) {
        const kind = stat.isFIFO() ? 'p' : stat.isCharacterDevice() ? 'c' : 'b';
        mknod(path, kind, stat.mode, Math.floor(stat.rdev / 256) & 0xfff, (stat.rdev & 0xff) | ((stat.rdev >>> 12) & 0xfff00));
        this.result.special++;
      } else {
        return; // sockets are not copied
      }
      this.setMeta(stat, path, true);
      this.noteXattrs(src.rel, path);
    } catch (err) {
      throw ioError(`failed to copy ${JSON.stringify(`/${src.rel}`)} to ${this.dest.show(target)}`, err);
    }
  }

  /** Owner, then mode (chown clears setuid bits), then times — fsutil's `copyFileInfo`. */
  private setMeta(stat: Stats, path: string, fresh: boolean): void {
    const uid = this.owner ? this.owner.uid : this.tree.kind === 'rootfs' ? stat.uid : 0;
    const gid = this.owner ? this.owner.gid : this.tree.kind === 'rootfs' ? stat.gid : 0;
    const proc = this.dest.processOwner;
    const chown = !fresh || uid !== proc.uid || gid !== proc.gid;
    if (chown) lchownSync(path, uid, gid);
    // copyFile already gave a new file the source's mode; a chown would have cleared its setuid bits.
    const modeKept = fresh && !chown && this.mode === undefined && stat.isFile();
    if (!stat.isSymbolicLink() && !modeKept) chmodSync(path, this.mode ?? stat.mode & 0o7777);
    lutimesSync(path, stat.atimeMs / 1000, stat.mtimeMs / 1000);
  }

  private noteXattrs(srcRel: string, path: string): void {
    if (this.xattrs === null || this.xattrs.size === 0) return;
    const key = srcRel === this.itemRoot ? '' : srcRel.slice(this.itemRoot === '' ? 0 : this.itemRoot.length + 1);
    const attrs = this.xattrs.get(key);
    if (attrs) this.pendingXattrs.push({ path, attrs });
  }
}
