import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type Spec = Record<string, null | string | Buffer | { mode?: number; content?: string | Buffer; symlink?: string; dir?: true; mtime?: number }>;

/** Creates files under `root`: `'a/'` is a directory, a string is file content, objects set mode/symlink/mtime. */
export function makeTree(root: string, spec: Spec): void {
  for (const [name, v] of Object.entries(spec)) {
    const path = join(root, name);
    if (v === null) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    if (name.endsWith('/') || (typeof v === 'object' && !Buffer.isBuffer(v) && v.dir)) {
      mkdirSync(path, { recursive: true });
      if (typeof v === 'object' && !Buffer.isBuffer(v) && v.mode !== undefined) chmodSync(path, v.mode);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (typeof v === 'string' || Buffer.isBuffer(v)) {
      writeFileSync(path, v);
      continue;
    }
    if (v.symlink !== undefined) {
      symlinkSync(v.symlink, path);
      continue;
    }
    writeFileSync(path, v.content ?? '');
    if (v.mode !== undefined) chmodSync(path, v.mode);
    if (v.mtime !== undefined) utimesSync(path, v.mtime, v.mtime);
  }
}

export interface Described {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  /** Content sha256 (first 12), or the link target. */
  data?: string;
  mtime?: number;
}

/** A comparable listing of a tree (sorted), paths relative with a leading '/'. */
export function describe(root: string, opts: { mtimes?: boolean } = {}): Record<string, Described> {
  const out: Record<string, Described> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = `${rel}/${name}`;
      const p = join(root, r);
      const st = lstatSync(p);
      const d: Described = { type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isFile()) d.data = createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 12);
      if (st.isSymbolicLink()) d.data = readlinkSync(p);
      if (opts.mtimes && !st.isDirectory()) d.mtime = Math.floor(st.mtimeMs / 1000);
      out[r] = d;
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

/** A base directory removed after the suite; `sub()` gives fresh subdirectories. */
export function tempBase(prefix: string): { base: string; sub: (name?: string) => string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), `drydock-${prefix}-`));
  let n = 0;
  return {
    base,
    sub: (name = 'd') => {
      const p = join(base, `${name}-${n++}`);
      mkdirSync(p);
      return p;
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

export function sha(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
