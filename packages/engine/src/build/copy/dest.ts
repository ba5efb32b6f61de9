/**
 * The destination side of COPY/ADD: a rootfs directory written with chroot
 * semantics but no chroot.
 *
 * A destination path is resolved the way BuildKit's `fs.RootPath` resolves
 * it: every symlink, the last component's included, is followed *inside*
 * the root (absolute targets restart at the root, `..` stops at it). So with
 * `/etc -> /host` in the rootfs, `/etc/x` means `<root>/host/x`, never the
 * host's. Components after the first missing one are kept as written, to be
 * created. Names below a resolved directory (a copied tree's entries) are
 * never followed: an entry replaces what is there.
 *
 * `snapshot/confined.ts`'s `ConfinedRoot` resolves directories only and
 * reports a missing path as null; here we also need the last component
 * followed and the missing tail, and created directories must take the
 * copy's owner and mode, so resolution is done here.
 *
 * Like `ConfinedRoot`, this assumes nothing else rewrites the tree while a
 * copy runs (the builder owns the stage's rootfs).
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { DrydockError } from '../../errors.js';
import type { Owner } from './owner.js';

const MAX_SYMLINKS = 40;

export class DestRoot {
  /** Owner new files and directories get without an explicit chown. */
  readonly processOwner: Owner = { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };

  constructor(readonly root: string) {
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new DrydockError('not-found', `destination rootfs ${root} is not a directory`);
  }

  /** Host path of a relative path ('' is the root). */
  host(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** How messages show a relative path: absolute inside the rootfs. */
  show(rel: string): string {
    return `/${rel}`;
  }

  lstat(rel: string): Stats | null {
    return lstatSync(this.host(rel), { throwIfNoEntry: false }) ?? null;
  }

  /**
   * Resolves `rel` (relative to the root, may hold `..`), following all
   * symlinks inside the root. The result's existing part is made of real
   * directories (and possibly a final non-directory); `missing` counts the
   * trailing components that do not exist. A non-directory followed by more
   * components fails with `invalid-argument` (`... : not a directory`).
   */
  resolve(rel: string): { rel: string; missing: number } {
    const queue = rel.split('/');
    const cur: string[] = [];
    let missing = 0;
    let links = 0;
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (cur.length > 0) cur.pop();
        if (missing > 0) missing--;
        continue;
      }
      if (missing > 0) {
        cur.push(c);
        missing++;
        continue;
      }
      const next = [...cur, c].join('/');
      const st = this.lstat(next);
      if (st === null) {
        cur.push(c);
        missing = 1;
      } else if (st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw new DrydockError('invalid-argument', `too many levels of symbolic links: ${this.show(next)}`);
        const target = readlinkSync(this.host(next));
        if (target.startsWith('/')) cur.length = 0;
        queue.unshift(...target.split('/'));
      } else if (st.isDirectory()) {
        cur.push(c);
      } else if (queue.some((q) => q !== '' && q !== '.')) {
        throw new DrydockError('invalid-argument', `mkdir ${this.show(next)}: not a directory`);
      } else {
        cur.push(c);
      }
    }
    return { rel: cur.join('/'), missing };
  }

  /**
   * Makes sure directory `rel` exists (resolved as by {@link resolve}),
   * creating missing components with `mode` (exactly: the umask does not
   * apply) and `owner` (or the process's), as fsutil's MkdirAll. Returns the
   * resolved path. Fails with `invalid-argument` when something on the way,
   * or `rel` itself, is not a directory.
   */
  mkdirAll(rel: string, mode: number, owner: Owner | null): string {
    const { rel: resolved, missing } = this.resolve(rel);
    const parts = resolved === '' ? [] : resolved.split('/');
    if (missing === 0) {
      if (resolved !== '' && !this.lstat(resolved)!.isDirectory()) throw new DrydockError('invalid-argument', `mkdir ${this.show(resolved)}: not a directory`);
      return resolved;
    }
    for (let i = parts.length - missing; i < parts.length; i++) {
      const sub = parts.slice(0, i + 1).join('/');
      const path = this.host(sub);
      try {
        mkdirSync(path, mode);
        chmodSync(path, mode);
        if (owner && (owner.uid !== this.processOwner.uid || owner.gid !== this.processOwner.gid)) lchownSync(path, owner.uid, owner.gid);
      } catch (err) {
        throw ioError(`mkdir ${this.show(sub)}`, err);
      }
    }
    return resolved;
  }
}

export function ioError(what: string, err: unknown): DrydockError {
  if (err instanceof DrydockError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new DrydockError('io', `${what}: ${code ?? (err as Error).message ?? String(err)}`, { cause: err });
}

/** Joins a resolved relative directory and a name. */
export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** The directory part of a relative path ('' for a top-level name). */
export function dirRel(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** The last component of a relative path. */
export function baseRel(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}
