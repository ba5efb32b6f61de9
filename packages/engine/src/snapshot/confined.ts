import { lstatSync, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import { DrydockError } from '../errors.js';

/** How many symlinks one lookup may traverse before it is treated as a loop (Linux's own limit). */
const MAX_SYMLINKS = 40;

/**
 * Path resolution confined to a directory tree, with chroot semantics but no
 * chroot (buildah's copier, the securejoin idea):
 *
 * - A path is resolved one component at a time with `lstat`. A symlink
 *   component is read and its target resolved *relative to the root*: an
 *   absolute target restarts at the root, a relative one continues from the
 *   symlink's directory, and `..` never climbs above the root. So `x -> /etc`
 *   makes `x/passwd` mean `<root>/etc/passwd`, never the host's.
 * - The last component of a path is never followed: callers create, replace
 *   or delete exactly that name in the directory returned.
 * - Every host path handed out is `root` + components that were seen to be
 *   real directories (not symlinks) inside the root.
 *
 * The guarantee holds against hostile *content* (archives, symlinks already in
 * the tree). It assumes no other process rewrites the tree while we work in it
 * (the snapshotter only unpacks into private temporary directories).
 *
 * Resolved directories are cached; call `invalidate()` after removing or
 * replacing anything in the tree.
 */
export class ConfinedRoot {
  private readonly dirs = new Map<string, string>();

  constructor(readonly root: string) {}

  /** The host path of a resolved relative path ('' is the root). */
  host(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /**
   * Resolves the directory `rel` (a clean relative path, '' for the root),
   * following symlinks inside the root. Missing directories are created
   * (mode 0755) when `create` is set, else `null` is returned. Throws
   * `invalid-archive` if a component is not a directory or symlinks loop.
   */
  dir(rel: string, create: boolean): string | null {
    if (rel === '') return '';
    const cached = this.dirs.get(rel);
    if (cached !== undefined) return cached;
    const slash = rel.lastIndexOf('/');
    const parent = slash < 0 ? '' : this.dir(rel.slice(0, slash), create);
    if (parent === null) return null;
    const resolved = this.walk(parent, [rel.slice(slash + 1)], create);
    if (resolved !== null) this.dirs.set(rel, resolved);
    return resolved;
  }

  /** Records that `rel` (requested as `requested`) is now a real directory. */
  remember(requested: string, rel: string): void {
    this.dirs.set(requested, rel);
  }

  invalidate(): void {
    this.dirs.clear();
  }

  /**
   * Walks `components` starting at the resolved directory `start`, following
   * symlinks inside the root, and returns the resolved relative path of the
   * directory reached.
   */
  private walk(start: string, components: string[], create: boolean): string | null {
    const cur = start === '' ? [] : start.split('/');
    const queue = components.slice();
    let links = 0;
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        cur.pop();
        continue;
      }
      const path = this.host([...cur, c].join('/'));
      const st = lstatOrNull(path);
      if (st === null) {
        if (!create) return null;
        try {
          mkdirSync(path, 0o755);
        } catch (err) {
          throw ioError(`cannot create directory ${path}`, err);
        }
        cur.push(c);
      } else if (st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) {
          throw new DrydockError('invalid-archive', `too many levels of symbolic links at ${JSON.stringify([...cur, c].join('/'))}`);
        }
        const target = readlinkSync(path);
        if (target.startsWith('/')) cur.length = 0;
        queue.unshift(...target.split('/'));
      } else if (st.isDirectory()) {
        cur.push(c);
      } else {
        throw new DrydockError('invalid-archive', `${JSON.stringify([...cur, c].join('/'))} is not a directory`);
      }
    }
    return cur.join('/');
  }
}

export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw ioError(`cannot stat ${path}`, err);
  }
}

export function ioError(message: string, cause: unknown): DrydockError {
  if (cause instanceof DrydockError) return cause;
  const detail = (cause as NodeJS.ErrnoException | undefined)?.code ?? (cause as Error | undefined)?.message ?? String(cause);
  return new DrydockError('io', `${message}: ${detail}`, { cause });
}

/** Joins two clean relative paths ('' is the root). */
export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Byte-wise comparison of two strings as UTF-8 (Go's string order, which Docker's output follows). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
