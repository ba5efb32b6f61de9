import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { DrydockError } from '../errors.js';

/**
 * Extended attributes and device nodes, which Node cannot reach without a
 * native addon. We run the system tools instead, batched so that a whole
 * tree costs one process:
 *
 * - `getfattr` / `setfattr` from Debian's `attr` package (`-h`: a symlink's own
 *   attributes, never its target's; `--restore=-`: many files in one run);
 * - `mknod` from coreutils, one process per node (the unpacker creates one
 *   overlay whiteout per layer this way and hard-links the rest).
 *
 * A missing tool fails with `unsupported`, any other failure with `io`.
 */

/** One file's extended attributes, name → raw value. */
export type Xattrs = Map<string, Buffer>;

/** The xattr overlayfs uses to mark a directory opaque (lower layers hidden beneath it). */
export const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** getfattr's `-m` pattern that matches the attribute `name` and nothing else. */
export function onlyXattr(name: string): string {
  return `^${name.replace(/\./g, '\\.')}$`;
}

/** Attributes overlayfs keeps for itself in upper and lower dirs. */
export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';

/**
 * Reads the extended attributes of every file under `dir` whose attribute
 * names match the regular expression `pattern` (getfattr's `-m`), without
 * following symlinks. Returns relative path ('' for `dir`) → attributes;
 * files without matching attributes are absent.
 */
export function readXattrTree(dir: string, pattern = '-'): Map<string, Xattrs> {
  const res = run('getfattr', ['-R', '-P', '-h', '-d', '-e', 'base64', '-m', pattern, '--absolute-names', dir]);
  const out = new Map<string, Xattrs>();
  for (const [abs, attrs] of parseDump(res.stdout.toString('utf8'))) {
    const rel = abs === dir ? '' : abs.startsWith(`${dir}/`) ? abs.slice(dir.length + 1) : null;
    if (rel !== null) out.set(rel, attrs);
  }
  return out;
}

/** getfattr's dump (`# file: PATH` then `name=value` lines): absolute path → attributes. */
function parseDump(dump: string): Map<string, Xattrs> {
  const out = new Map<string, Xattrs>();
  let current: Xattrs | null = null;
  for (const line of dump.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = new Map();
      out.set(unquote(line.slice(8)), current);
    } else if (current && line !== '') {
      const eq = line.indexOf('=');
      const name = unquote(eq < 0 ? line : line.slice(0, eq));
      current.set(name, decodeValue(eq < 0 ? '' : line.slice(eq + 1)));
    }
  }
  return out;
}

/**
 * Reads the attributes matching `pattern` of the given files (not of what is
 * beneath them), without following symlinks: path → attributes, files without
 * matching attributes absent. No process runs for an empty list.
 */
export function readXattrsOf(paths: readonly string[], pattern = '-'): Map<string, Xattrs> {
  const out = new Map<string, Xattrs>();
  const BATCH = 2000; // well inside ARG_MAX for any path length Linux allows
  for (let i = 0; i < paths.length; i += BATCH) {
    const res = run('getfattr', ['-P', '-h', '-d', '-e', 'base64', '-m', pattern, '--absolute-names', '--', ...paths.slice(i, i + BATCH)]);
    for (const [path, attrs] of parseDump(res.stdout.toString('utf8'))) out.set(path, attrs);
  }
  return out;
}

/**
 * Sets attributes on many files in one `setfattr --restore` run. Paths are
 * absolute and must already have been checked to lie inside the tree being
 * written; the last component is not followed (`-h`).
 */
export function writeXattrs(items: { path: string; attrs: Iterable<[string, Buffer]> }[]): void {
  if (items.length === 0) return;
  let dump = '';
  for (const item of items) {
    dump += `# file: ${quote(item.path)}\n`;
    for (const [name, value] of item.attrs) dump += `${quote(name)}=0s${value.toString('base64')}\n`;
    dump += '\n';
  }
  run('setfattr', ['-h', '--restore=-'], dump);
}

/** Creates a device node or FIFO with `mknod` (Node has no mknod). */
export function mknod(path: string, kind: 'c' | 'b' | 'p', mode: number, major = 0, minor = 0): void {
  const args = ['-m', (mode & 0o7777).toString(8).padStart(4, '0'), path, kind];
  if (kind !== 'p') args.push(String(major), String(minor));
  run('mknod', args);
}

/** Whether `getfattr` and `setfattr` are installed. */
export function haveXattrTools(): boolean {
  return ['getfattr', 'setfattr'].every((tool) => spawnSync(tool, ['--version']).error === undefined);
}

function run(tool: string, args: string[], input?: string): SpawnSyncReturns<Buffer> {
  const res = spawnSync(tool, args, { input, maxBuffer: 1 << 30 });
  if (res.error) {
    if ((res.error as NodeJS.ErrnoException).code === 'ENOENT') {
      const pkg = tool === 'mknod' ? 'coreutils' : 'attr';
      throw new DrydockError('unsupported', `${tool} is not installed (Debian package ${pkg})`, { cause: res.error });
    }
    throw new DrydockError('io', `${tool} failed to start: ${res.error.message}`, { cause: res.error });
  }
  if (res.status !== 0) {
    const msg = res.stderr.toString('utf8').trim().split('\n')[0] ?? '';
    throw new DrydockError('io', `${tool} failed (exit ${res.status ?? res.signal}): ${msg}`);
  }
  return res;
}

/** Escapes the bytes getfattr's dump format cannot carry literally (`\ooo`). */
function quote(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += b <= 0x20 || b >= 0x7f || b === 0x5c || b === 0x3d ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b);
  }
  return out;
}

function unquote(s: string): string {
  if (!s.includes('\\')) return s;
  const src = Buffer.from(s, 'utf8');
  const out: number[] = [];
  const isOctal = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x37;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x5c && isOctal(src[i + 1]) && isOctal(src[i + 2]) && isOctal(src[i + 3])) {
      out.push(parseInt(src.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else if (b === 0x5c && src[i + 1] === 0x5c) {
      out.push(0x5c);
      i++;
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out).toString('utf8');
}

function decodeValue(v: string): Buffer {
  if (v.startsWith('0s')) return Buffer.from(v.slice(2), 'base64');
  if (v.startsWith('0x')) return Buffer.from(v.slice(2), 'hex');
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) return Buffer.from(unquote(v.slice(1, -1)), 'utf8');
  return Buffer.from(v, 'utf8');
}
