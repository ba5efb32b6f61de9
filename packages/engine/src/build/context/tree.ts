/**
 * Source trees for COPY/ADD: the build context, or a stage's or an image's
 * rootfs. Everything here reads; nothing writes.
 *
 * Paths are relative to the tree root, slash-separated, clean, '' for the
 * root itself. Two rules hold everywhere:
 *
 * - CONFINED. Symlinks are resolved inside the tree with chroot semantics
 *   (an absolute target restarts at the tree root, `..` stops at it), as
 *   BuildKit's `fs.RootPath` does on the daemon side. A host path handed out
 *   is always the root joined with components seen to be real directories.
 * - INVISIBLE IF IGNORED. A context's `.dockerignore` decides what exists:
 *   BuildKit never transfers excluded files, so for COPY they are simply not
 *   there. A file (or symlink) is visible when no pattern excludes it; a
 *   directory when it is not excluded, or when a `!` exception re-includes
 *   something below it (fsutil creates such parents lazily).
 */
import { lstatSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { DrydockError } from '../../errors.js';
import type { IgnoreMatcher } from '../../dockerfile/dockerignore.js';
import { goFilepathMatch } from '../../dockerfile/ignore/glob-syntax.js';
import { goPathClean } from '../../dockerfile/ignore/go-path.js';

/** A read-only tree COPY/ADD sources come from. */
export interface SourceTree {
  /** Host directory of the tree; null for an empty tree (a Dockerfile-only context). */
  readonly root: string | null;
  /**
   * `context`: owners are not part of the source (BuildKit's client resets
   * them to 0:0 before sending), so copies are 0:0 unless `--chown`.
   * `rootfs` (`COPY --from`): copies keep the source's uid/gid.
   */
  readonly kind: 'context' | 'rootfs';
  /** The .dockerignore rules, or null when nothing is excluded. */
  readonly ignore: IgnoreMatcher | null;
}

/** One visible entry of a tree. */
export interface TreeEntry {
  /** Path relative to the tree root. */
  rel: string;
  /** lstat of the entry (symlinks are not followed). */
  stat: Stats;
}

/** A rootfs directory as a source tree (`COPY --from=<stage or image>`): nothing ignored, owners kept. */
export function rootfsTree(dir: string): SourceTree {
  return { root: dir, kind: 'rootfs', ignore: null };
}

const MAX_SYMLINKS = 40;

/** The host path of `rel` in a tree with a root. */
export function hostPath(tree: SourceTree, rel: string): string {
  if (tree.root === null) throw new DrydockError('internal', 'the tree is empty');
  return rel === '' ? tree.root : `${tree.root}/${rel}`;
}

/**
 * Cleans a source as written in a Dockerfile into a tree-relative path, as
 * BuildKit does (`path.Join("/", src)`): `..` cannot climb above the root and
 * trailing slashes go. Returns '' for the root.
 */
export function cleanSource(src: string): string {
  return goPathClean(`/${src}`).slice(1);
}

/** Whether the .dockerignore excludes `rel` (itself or through a parent). */
export function isExcluded(tree: SourceTree, rel: string): boolean {
  return rel !== '' && tree.ignore !== null && tree.ignore.matches(rel);
}

/** Whether an entry exists for COPY: see the module comment. */
export function isVisible(tree: SourceTree, rel: string, isDir: boolean): boolean {
  if (!isExcluded(tree, rel)) return true;
  if (!isDir || !tree.ignore!.hasExclusions || tree.ignore!.canSkipDir(rel)) return false;
  return !walkTree(tree, rel, () => 'stop');
}

/**
 * Resolves `rel` inside the tree, following symlinks in every component and,
 * when `followLast`, in the last one too. Returns the resolved path and its
 * lstat, or null when it does not exist (a missing component, a file used as
 * a directory, or an entry the .dockerignore hides). Symlinks met on the way
 * must be visible themselves. Throws `invalid-argument` on a symlink loop.
 */
export function resolveInTree(tree: SourceTree, rel: string, followLast = true): TreeEntry | null {
  if (tree.root === null) return null;
  const queue = rel === '' ? [] : rel.split('/');
  const cur: string[] = [];
  const dirStat = (): Stats => (cur.length === 0 ? statSync(tree.root!) : lstatSync(hostPath(tree, cur.join('/'))));
  let stat = dirStat();
  let links = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      cur.pop();
      stat = dirStat();
      continue;
    }
    if (!stat.isDirectory()) return null;
    const next = [...cur, c].join('/');
    const st = lstatSync(hostPath(tree, next), { throwIfNoEntry: false });
    if (!st) return null;
    if (st.isSymbolicLink() && (followLast || queue.some((q) => q !== '' && q !== '.'))) {
      if (isExcluded(tree, next)) return null;
      if (++links > MAX_SYMLINKS) throw new DrydockError('invalid-argument', `too many levels of symbolic links: ${JSON.stringify(`/${rel}`)}`);
      const target = readlinkSync(hostPath(tree, next));
      if (target.startsWith('/')) cur.length = 0;
      queue.unshift(...target.split('/'));
      stat = dirStat();
      continue;
    }
    cur.push(c);
    stat = st;
  }
  const resolved = cur.join('/');
  if (!isVisible(tree, resolved, stat.isDirectory())) return null;
  return { rel: resolved, stat };
}

export type WalkVisit = (entry: TreeEntry) => void | 'skip' | 'stop';

/**
 * Walks the visible entries strictly below directory `start` (resolved, as
 * from {@link resolveInTree}), depth first, children in code-unit order,
 * never following symlinks. The visitor may return 'skip' (do not descend
 * into this directory) or 'stop' (end the walk). An excluded directory is
 * not read at all when the matcher says nothing below it can be re-included
 * (`canSkipDir`); otherwise it is reported, and walked, only if something
 * inside it is visible. Returns false when stopped.
 */
export function walkTree(tree: SourceTree, start: string, visit: WalkVisit): boolean {
  if (tree.root === null) return true;
  let names: string[];
  try {
    names = readdirSync(hostPath(tree, start));
  } catch (err) {
    throw new DrydockError('io', `cannot read directory ${JSON.stringify(`/${start}`)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  names.sort();
  const ignore = tree.ignore;
  for (const name of names) {
    const rel = start === '' ? name : `${start}/${name}`;
    const stat = lstatSync(hostPath(tree, rel), { throwIfNoEntry: false });
    if (!stat) {
      // readdir decodes names as UTF-8: a name that is not valid UTF-8 cannot be opened again
      throw new DrydockError('unsupported', `cannot read ${JSON.stringify(`/${rel}`)}: file names that are not valid UTF-8 are not supported (or the file was removed during the build)`);
    }
    const isDir = stat.isDirectory();
    if (ignore !== null && ignore.matches(rel)) {
      if (!isDir || !ignore.hasExclusions || ignore.canSkipDir(rel)) continue;
      if (walkTree(tree, rel, () => 'stop')) continue; // nothing visible inside
    }
    const r = visit({ rel, stat });
    if (r === 'stop') return false;
    if (isDir && r !== 'skip' && !walkTree(tree, rel, visit)) return false;
  }
  return true;
}

/** Whether a source path holds wildcards (fsutil `containsWildcards`: `*`, `?`, `[`, skipping `\`-escaped bytes). */
export function hasWildcards(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/**
 * Expands a wildcard source (clean, tree-relative) as fsutil's
 * `ResolveWildcards` does: the components before the first one holding a
 * wildcard are resolved (symlinks followed); below that directory, every
 * visible path whose relative name matches the rest under Go's
 * `filepath.Match` is a match, and a matched directory is not searched
 * further. Symlinks are not followed while searching. Matches come back
 * sorted, as tree-relative paths under the resolved prefix. A missing prefix
 * or a malformed pattern matches nothing (BuildKit: no match is no error).
 */
export function expandWildcards(tree: SourceTree, pattern: string): TreeEntry[] {
  const parts = pattern.split('/');
  const first = parts.findIndex(hasWildcards);
  if (first < 0) {
    const one = resolveInTree(tree, pattern);
    return one ? [one] : [];
  }
  const base = resolveInTree(tree, parts.slice(0, first).join('/'));
  if (!base || !base.stat.isDirectory()) return [];
  const rest = parts.slice(first);
  const restPattern = rest.join('/');
  // Without a character class, `*` and `?` never match '/', so a match has
  // exactly as many components as the pattern: prune by depth and prefix.
  const prunable = !restPattern.includes('[');
  const prefix = base.rel === '' ? '' : `${base.rel}/`;
  const out: TreeEntry[] = [];
  walkTree(tree, base.rel, (entry) => {
    const sub = entry.rel.slice(prefix.length);
    const depth = sub.split('/').length;
    if (match(restPattern, sub)) {
      out.push(entry);
      return 'skip';
    }
    if (prunable && (depth >= rest.length || !match(rest.slice(0, depth).join('/'), sub))) return 'skip';
    return undefined;
  });
  return out;
}

function match(pattern: string, name: string): boolean {
  try {
    return goFilepathMatch(pattern, name);
  } catch {
    return false; // fsutil ignores filepath.Match's ErrBadPattern: no match
  }
}

/**
 * A wildcard match as the copy uses it: a symlink is followed inside the
 * tree (fsutil resolves each match with FollowLinks). A match whose link
 * leads nowhere visible fails with `not-found`.
 */
export function followMatch(tree: SourceTree, match: TreeEntry): TreeEntry {
  if (!match.stat.isSymbolicLink()) return match;
  const followed = resolveInTree(tree, match.rel);
  if (!followed) throw new DrydockError('not-found', `failed to compute cache key: ${JSON.stringify(`/${match.rel}`)}: not found`);
  return followed;
}
