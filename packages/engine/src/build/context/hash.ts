/**
 * The content half of a COPY/ADD cache key: one digest over what the sources
 * select, after .dockerignore.
 *
 * What counts, per entry (each source's matches, and everything visible
 * below a matched directory, depth first in code-unit order):
 *
 * - its path relative to the match (the match's own path is recorded once),
 * - its type, and its mode's permission and setuid/setgid/sticky bits,
 * - a regular file's size and content sha256, a symlink's target, a
 *   device's major/minor numbers,
 * - uid and gid only for a `rootfs` tree (`COPY --from`).
 *
 * What does not, and why (BuildKit's contenthash makes the same choices):
 *
 * - mtime and atime: BuildKit's tar-header record drops them, so touching a
 *   file keeps the cache. (COPY still preserves mtimes in the layer: a hit
 *   may carry the older mtimes, as with BuildKit.)
 * - uid/gid for the build context: the client resets context owners to 0:0
 *   before sending, so the copy never depends on them. A rootfs keeps its
 *   owners through `COPY --from`, so there they count.
 * - extended attributes (BuildKit counts them); hard-link structure.
 *
 * Speed: files are read with synchronous calls (small files dominate a
 * context), and each file's content digest is cached by (host path, size,
 * mtime, inode, ctime); a file whose stat matches is not read again. The
 * build service keeps that cache in the state root between builds (as
 * BuildKit keeps its contenthash records), see saveHashCache.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readlinkSync, readSync, renameSync, writeFileSync, type Stats } from 'node:fs';
import type { Digest } from '../../digest.js';
import { DrydockError } from '../../errors.js';
import { cleanSource, expandWildcards, followMatch, hasWildcards, hostPath, resolveInTree, walkTree, type SourceTree, type TreeEntry } from './tree.js';

/** A heredoc source (`COPY <<EOF /dest`): a file named `name` holding `content`. */
export interface InlineSource {
  name: string;
  content: string | Uint8Array;
}

/** A COPY/ADD source: a path or wildcard in the tree, or an inline document. */
export type SourceSpec = string | InlineSource;

export interface SourceHash {
  digest: Digest;
  /** Entries hashed (directories included). */
  entries: number;
  /** Bytes of file content the sources select (read or taken from the cache). */
  bytes: number;
  /** Files actually read this time (not answered by the cache). */
  filesRead: number;
}

export interface HashOptions {
  /** Count uid/gid (default: for a `rootfs` tree only). */
  owners?: boolean;
}

const VERSION = 'drydock.copy-sources.v1\n';
const FLUSH_AT = 1 << 16;
const BIG_FILE = 1 << 20;

interface CachedDigest {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  hex: string;
}

const fileDigests = new Map<string, CachedDigest>();
/** Whether a digest was computed since the cache was loaded or saved. */
let unsaved = false;
/** The cache file of the state root in use, read on the first file digest (a build may hash nothing). */
let cacheFile: string | undefined;
let cacheLoaded = false;

/** Names the file that keeps digests between builds; it is read when a file is first hashed. */
export function useHashCacheFile(file: string): void {
  if (file === cacheFile) return;
  cacheFile = file;
  cacheLoaded = false;
}

/** Forgets the per-file digest cache (tests; or after rewriting files within one mtime tick). */
export function clearHashCache(): void {
  fileDigests.clear();
  unsaved = false;
}

const CACHE_FORMAT = 'drydock.file-digests.v1';
/** Entries kept in the file; the least recently hashed go first. */
const CACHE_LIMIT = 200_000;
/**
 * Files changed this recently are not saved: a rewrite of the same size within
 * the file system's timestamp granularity would look unchanged (git's "racily
 * clean" entries). Such files are read again by the next build.
 */
const RACY_MS = 2_000;

type CacheRow = [path: string, size: number, mtimeMs: number, ctimeMs: number, ino: number, hex: string];

/** Adds the digests saved by earlier builds (a missing or unreadable file is an empty cache). */
export function loadHashCache(file: string): void {
  let rows: unknown;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; rows?: unknown };
    rows = parsed.format === CACHE_FORMAT ? parsed.rows : undefined;
  } catch {
    return;
  }
  if (!Array.isArray(rows)) return;
  for (const row of rows as CacheRow[]) {
    if (!Array.isArray(row) || row.length !== 6 || typeof row[0] !== 'string' || typeof row[5] !== 'string') continue;
    if (!fileDigests.has(row[0])) fileDigests.set(row[0], { size: row[1], mtimeMs: row[2], ctimeMs: row[3], ino: row[4], hex: row[5] });
  }
}

/** Writes the cache for the next build (atomically: a temp file renamed over the old one). */
export function saveHashCache(file: string, now = Date.now()): void {
  if (!unsaved) return;
  unsaved = false;
  const rows: CacheRow[] = [];
  for (const [path, d] of fileDigests) {
    if (now - Math.max(d.mtimeMs, d.ctimeMs) < RACY_MS) continue;
    rows.push([path, d.size, d.mtimeMs, d.ctimeMs, d.ino, d.hex]);
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ format: CACHE_FORMAT, rows: rows.slice(-CACHE_LIMIT) }), { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Digests the sources of one COPY/ADD as seen in `tree`. A plain source that
 * does not exist (or is ignored) fails with `not-found`:
 * `failed to compute cache key: "/missing.txt": not found`. A wildcard that
 * matches nothing contributes nothing (BuildKit copies nothing then).
 * URLs are not hashed here: key them by `--checksum` or by the downloaded
 * content's digest.
 */
export function hashSources(tree: SourceTree, sources: readonly SourceSpec[], opts: HashOptions = {}): SourceHash {
  const owners = opts.owners ?? tree.kind === 'rootfs';
  const state: HashState = { hash: createHash('sha256'), buf: VERSION, entries: 0, bytes: 0, filesRead: 0, owners };
  for (const src of sources) {
    if (typeof src !== 'string') {
      const content = Buffer.from(src.content);
      emit(state, `I ${JSON.stringify(src.name)} ${content.length} ${createHash('sha256').update(content).digest('hex')}\n`);
      state.entries++;
      state.bytes += content.length;
      continue;
    }
    if (/^https?:\/\//.test(src)) throw new DrydockError('invalid-argument', `hashSources cannot hash URL source ${JSON.stringify(src)}: key it by its checksum`);
    const clean = cleanSource(src);
    emit(state, `S ${JSON.stringify(clean)}\n`);
    if (!hasWildcards(clean)) hashMatch(state, tree, clean, required(tree, clean));
    else for (const m of expandWildcards(tree, clean)) hashMatch(state, tree, m.rel, followMatch(tree, m));
  }
  state.hash.update(state.buf);
  return { digest: `sha256:${state.hash.digest('hex')}`, entries: state.entries, bytes: state.bytes, filesRead: state.filesRead };
}

/** The resolved entry for a plain (wildcard-free) source, or BuildKit's not-found error. */
export function required(tree: SourceTree, clean: string): TreeEntry {
  const entry = resolveInTree(tree, clean);
  if (!entry) throw new DrydockError('not-found', `failed to compute cache key: ${JSON.stringify(`/${clean}`)}: not found`);
  return entry;
}

interface HashState {
  hash: Hash;
  buf: string;
  entries: number;
  bytes: number;
  filesRead: number;
  owners: boolean;
}

function emit(state: HashState, s: string): void {
  state.buf += s;
  if (state.buf.length >= FLUSH_AT) {
    state.hash.update(state.buf);
    state.buf = '';
  }
}

/** One match: its name (which names the copy) and what it resolved to, then its content. */
function hashMatch(state: HashState, tree: SourceTree, name: string, match: TreeEntry): void {
  emit(state, `M ${JSON.stringify(name)} ${JSON.stringify(match.rel)}\n`);
  record(state, tree, '.', match);
  if (!match.stat.isDirectory()) return;
  const prefix = match.rel === '' ? 0 : match.rel.length + 1;
  walkTree(tree, match.rel, (e) => record(state, tree, e.rel.slice(prefix), e));
}

function record(state: HashState, tree: SourceTree, name: string, { rel, stat }: TreeEntry): void {
  state.entries++;
  const mode = (stat.mode & 0o7777).toString(8);
  const owner = state.owners ? `${stat.uid} ${stat.gid} ` : '';
  let line: string;
  if (stat.isFile()) {
    const hex = fileDigest(state, hostPath(tree, rel), stat);
    state.bytes += stat.size;
    line = `f ${mode} ${owner}${stat.size} ${hex}`;
  } else if (stat.isDirectory()) line = `d ${mode} ${owner}`;
  else if (stat.isSymbolicLink()) line = `l ${mode} ${owner}${JSON.stringify(readlinkSync(hostPath(tree, rel)))}`;
  else if (stat.isCharacterDevice() || stat.isBlockDevice()) {
    line = `${stat.isCharacterDevice() ? 'c' : 'b'} ${mode} ${owner}${stat.rdev}`;
  } else line = `${stat.isFIFO() ? 'p' : 's'} ${mode} ${owner}`;
  emit(state, `${JSON.stringify(name)} ${line}\n`);
}

function fileDigest(state: HashState, path: string, st: Stats): string {
  if (!cacheLoaded && cacheFile !== undefined) {
    cacheLoaded = true;
    loadHashCache(cacheFile);
  }
  const cached = fileDigests.get(path);
  if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs && cached.ctimeMs === st.ctimeMs && cached.ino === st.ino) {
    // Moved to the end: the map's order is least recently used first.
    fileDigests.delete(path);
    fileDigests.set(path, cached);
    return cached.hex;
  }
  state.filesRead++;
  unsaved = true;
  fileDigests.delete(path);
  const hex = st.size <= BIG_FILE ? createHash('sha256').update(readFileSync(path)).digest('hex') : hashLargeFile(path);
  fileDigests.set(path, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, hex });
  return hex;
}

function hashLargeFile(path: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(BIG_FILE);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}
