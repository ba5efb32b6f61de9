import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { compareBytes, ioError, joinRel } from './confined.js';
import { changedParents, coalesce, encodeLayer, excludeSet, type Change, type ChangeKind, type DiffOptions, type LayerEntry } from './diff.js';
import { LowerStack, type LowerLayer } from './lower.js';
import { onlyXattr, readXattrTree, type Xattrs } from './xattr.js';

/**
 * `docker container diff` and `docker container commit` for the copy driver,
 * whose snapshot is a whole tree with no record of what changed: the tree is
 * compared with the image's layers, as Docker's naive diff driver compares a
 * vfs container with its parent (moby pkg/archive/changes.go, `ChangesDirs`).
 *
 * A path is
 * - `A` when the layers show nothing there;
 * - `C` when they do and it differs in type, permissions, owner, device
 *   number or `security.capability`, or — not for directories, whose size and
 *   mtime change whenever an entry is made inside — in size, mtime or
 *   content. Times compare as Docker's `sameFsTimeSpec` does (equal seconds
 *   suffice when either side has no sub-second part, as a copy made from a
 *   tar has not); in that one doubtful case a file's content (a symlink's
 *   target) decides, so a change in the same second is not missed;
 * - `D` when the layers show it and the tree not: one line for a deleted
 *   subtree.
 * Every directory above a change that the layers show is `C`. A directory
 * deleted and made again is not told apart from one kept (its old entries are
 * `D`, new ones `A`), as with Docker's vfs driver.
 */
export function treeChanges(root: string, lowers: readonly (string | LowerLayer)[], opts: DiffOptions = {}): Change[] {
  return [...walkTree(root, lowers, opts)].map(([rel, c]) => ({ kind: c.kind, path: `/${rel}` }));
}

/**
 * The changes as an OCI layer tar, Docker's `ExportChanges`: each `A` and `C`
 * path as it is in the tree (a directory without its content), and an empty
 * `.wh.<name>` for each `D` (owned by root, the time of the directory that
 * lost it), in path order.
 */
export function treeLayerTar(root: string, lowers: readonly (string | LowerLayer)[], opts: DiffOptions = {}): Readable {
  const entries = async function* (): AsyncGenerator<Buffer> {
    const xattrs = readXattrTree(root, '-');
    const found = walkTree(root, lowers, opts, xattrs);
    const list: LayerEntry[] = [...found].map(([rel, c]) =>
      c.kind === 'D' ? { rel, whiteout: { uid: 0, gid: 0, mtime: parentTime(root, rel) } } : { rel, st: c.st! },
    );
    yield* encodeLayer(root, list, xattrs, opts);
  };
  return Readable.from(coalesce(entries()), { objectMode: false });
}

interface Found {
  kind: ChangeKind;
  /** The tree's stat (not for `D`). */
  st?: Stats;
}

/** The changes by relative path, in path (byte) order. */
function walkTree(root: string, lowers: readonly (string | LowerLayer)[], opts: DiffOptions, rootXattrs?: Map<string, Xattrs>): Map<string, Found> {
  const lower = new LowerStack(lowers);
  const exclude = excludeSet(opts.excludePaths);
  const caps = new Capabilities(root, rootXattrs);
  const found = new Map<string, Found>();
  const keptDirs = new Map<string, Stats>();
  const recurse = (dir: string, compare: boolean): void => {
    const names = readdirOf(root, dir);
    const before = new Set(compare ? lower.list(dir) : []);
    for (const name of names) {
      const rel = joinRel(dir, name);
      if (exclude.has(rel)) continue;
      before.delete(name);
      const st = lstatSync(`${root}/${rel}`);
      const old = compare ? lower.locate(rel) : null;
      if (!old) found.set(rel, { kind: 'A', st });
      else if (differs(root, rel, st, old) || !caps.same(rel, old.dir)) found.set(rel, { kind: 'C', st });
      else if (st.isDirectory()) keptDirs.set(rel, st);
      if (st.isDirectory()) recurse(rel, old !== null && old.st.isDirectory());
    }
    for (const name of before) if (!exclude.has(joinRel(dir, name))) found.set(joinRel(dir, name), { kind: 'D' });
  };
  recurse('', true);
  for (const parent of changedParents(found.keys(), keptDirs)) found.set(parent, { kind: 'C', st: keptDirs.get(parent)! });
  return new Map([...found].sort(([a], [b]) => compareBytes(a, b)));
}

/** moby's `statDifferent`, with content deciding when only the time's precision is in doubt. */
function differs(root: string, rel: string, st: Stats, old: { st: Stats; dir: string }): boolean {
  const o = old.st;
  if (st.mode !== o.mode || st.uid !== o.uid || st.gid !== o.gid || st.rdev !== o.rdev) return true;
  if (st.isDirectory()) return false;
  if (st.size !== o.size) return true;
  if (st.mtimeMs === o.mtimeMs) return false;
  const sec = (ms: number) => Math.floor(ms / 1000);
  const whole = (ms: number) => ms % 1000 === 0;
  if (sec(st.mtimeMs) !== sec(o.mtimeMs) || (!whole(st.mtimeMs) && !whole(o.mtimeMs))) return true;
  if (st.isSymbolicLink()) return readlinkSync(`${root}/${rel}`) !== readlinkSync(`${old.dir}/${rel}`);
  if (st.isFile()) return !readFileSync(`${root}/${rel}`).equals(readFileSync(`${old.dir}/${rel}`));
  return false;
}

/** `security.capability` of the tree and of each layer, read once per tree (Docker compares it besides the stat). */
class Capabilities {
  private readonly trees = new Map<string, Map<string, Xattrs>>();

  /** `rootXattrs`: the tree's attributes when the caller read them already (any that include the capability). */
  constructor(
    private readonly root: string,
    rootXattrs?: Map<string, Xattrs>,
  ) {
    if (rootXattrs) this.trees.set(root, rootXattrs);
  }

  same(rel: string, layerDir: string): boolean {
    const a = this.of(this.root).get(rel)?.get(CAPABILITY);
    const b = this.of(layerDir).get(rel)?.get(CAPABILITY);
    return a === b || (a !== undefined && b !== undefined && a.equals(b));
  }

  private of(dir: string): Map<string, Xattrs> {
    let tree = this.trees.get(dir);
    if (!tree) this.trees.set(dir, (tree = readXattrTree(dir, onlyXattr(CAPABILITY))));
    return tree;
  }
}

const CAPABILITY = 'security.capability';

function readdirOf(root: string, dir: string): string[] {
  try {
    return readdirSync(dir === '' ? root : `${root}/${dir}`);
  } catch (err) {
    throw ioError(`cannot read ${root}/${dir}`, err);
  }
}

function parentTime(root: string, rel: string): number {
  const i = rel.lastIndexOf('/');
  try {
    return lstatSync(i < 0 ? root : `${root}/${rel.slice(0, i)}`).mtimeMs / 1000;
  } catch {
    return 0;
  }
}
