import { readdirSync, type Stats } from 'node:fs';
import { ioError, lstatOrNull } from './confined.js';
import { onlyXattr, OPAQUE_XATTR, readXattrTree } from './xattr.js';

/**
 * One overlay lower dir: a committed layer unpacked in overlay form
 * (whiteouts are character devices 0/0, opaque directories carry
 * `trusted.overlay.opaque=y`). `opaque`, when known (the snapshotter records
 * it at unpack time), spares reading the xattrs back from disk.
 */
export interface LowerLayer {
  dir: string;
  opaque?: ReadonlySet<string>;
}

/** Whether `st` is an overlayfs whiteout: a character device with device number 0/0. */
export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

type DirState = 'dir' | 'opaque' | 'absent' | 'blocked';

/**
 * The read-only view a stack of lower dirs (top first) presents through
 * overlayfs, answered without mounting: `lookup(path)` returns the lstat of
 * what a process would see at `path`, or null when nothing is there.
 *
 * Overlay rules applied: the topmost layer holding a name wins; a whiteout
 * hides the name in every layer below; a non-directory, or an opaque
 * directory, hides everything the layers below hold beneath that name. Each
 * layer is walked one component at a time with lstat, so a symlink inside a
 * layer is never followed.
 */
export class LowerStack {
  private readonly layers: { dir: string; opaque: ReadonlySet<string> | null }[];
  private readonly states = new Map<string, DirState>();

  constructor(layers: readonly (string | LowerLayer)[]) {
    this.layers = layers.map((l) => (typeof l === 'string' ? { dir: l, opaque: null } : { dir: l.dir, opaque: l.opaque ?? null }));
  }

  get dirs(): string[] {
    return this.layers.map((l) => l.dir);
  }

  /** What the stack shows at the relative path `rel` (non-empty), or null. */
  lookup(rel: string): Stats | null {
    return this.locate(rel)?.st ?? null;
  }

  /** Like `lookup`, with the layer dir that provides the path. */
  locate(rel: string): { st: Stats; dir: string } | null {
    const parts = rel.split('/');
    for (let i = 0; i < this.layers.length; i++) {
      let stop = false;
      let prefix = '';
      let found: Stats | null = null;
      let present = true;
      for (let d = 0; d < parts.length; d++) {
        prefix = d === 0 ? parts[0]! : `${prefix}/${parts[d]}`;
        if (d < parts.length - 1) {
          const state = this.dirState(i, prefix);
          if (state === 'absent') {
            present = false;
            // a higher-level opaque or blocker above does not exist here: try deeper layers
            break;
          }
          if (state === 'blocked') {
            stop = true;
            present = false;
            break;
          }
          if (state === 'opaque') stop = true; // nothing below this layer is visible under prefix
        } else {
          found = lstatOrNull(`${this.layers[i]!.dir}/${rel}`);
        }
      }
      if (present && found) return isWhiteout(found) ? null : { st: found, dir: this.layers[i]!.dir };
      if (stop) return null;
    }
    return null;
  }

  /** The names the stack shows in the directory `rel` ('' for the root), unsorted; empty if it is no directory. */
  list(rel: string): string[] {
    const parts = rel === '' ? [] : rel.split('/');
    const seen = new Map<string, boolean>();
    for (let i = 0; i < this.layers.length; i++) {
      let present = true;
      let stop = false;
      for (let d = 1; d <= parts.length; d++) {
        const state = this.dirState(i, parts.slice(0, d).join('/'));
        if (state === 'absent' || state === 'blocked') {
          present = false;
          stop ||= state === 'blocked';
          break;
        }
        if (state === 'opaque') stop = true;
      }
      if (present) {
        const dir = rel === '' ? this.layers[i]!.dir : `${this.layers[i]!.dir}/${rel}`;
        for (const name of readdirOrEmpty(dir)) {
          if (!seen.has(name)) seen.set(name, !isWhiteout(lstatOrNull(`${dir}/${name}`)!));
        }
      }
      if (stop) break;
    }
    return [...seen].filter(([, visible]) => visible).map(([name]) => name);
  }

  /** Whether layer `i` hides the layers below it at directory `rel` (whiteout, non-dir, opaque). */
  private dirState(i: number, rel: string): DirState {
    const key = `${i}\0${rel}`;
    let state = this.states.get(key);
    if (state === undefined) {
      const st = lstatOrNull(`${this.layers[i]!.dir}/${rel}`);
      if (st === null) state = 'absent';
      else if (!st.isDirectory()) state = 'blocked';
      else state = this.opaque(i).has(rel) ? 'opaque' : 'dir';
      this.states.set(key, state);
    }
    return state;
  }

  private opaque(i: number): ReadonlySet<string> {
    const layer = this.layers[i]!;
    if (layer.opaque === null) layer.opaque = readOpaqueDirs(layer.dir);
    return layer.opaque;
  }
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw ioError(`cannot read ${dir}`, err);
  }
}

/** The opaque directories (relative paths) under an overlay dir, read from their xattrs. */
export function readOpaqueDirs(dir: string): Set<string> {
  const out = new Set<string>();
  for (const [rel, attrs] of readXattrTree(dir, onlyXattr(OPAQUE_XATTR))) {
    if (attrs.get(OPAQUE_XATTR)?.toString('latin1') === 'y') out.add(rel);
  }
  return out;
}
