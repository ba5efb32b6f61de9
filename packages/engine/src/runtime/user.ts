import { chownSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, readSync } from 'node:fs';
import { DrydockError } from '../errors.js';

/**
 * `docker run -u` resolution against the container's own /etc/passwd and
 * /etc/group, with moby/sys/user's rules (GetExecUser):
 *
 * - `""` is root (uid 0, and the gid of passwd's uid-0 entry when it has one).
 * - `name` must be in passwd; a numeric uid need not be (gid then 0, home /).
 * - `user:group`: the group by name must be in /etc/group; a numeric gid need not be.
 * - Supplementary groups are the /etc/group entries listing the user's name,
 *   only when no group was given; `--group-add` entries are appended.
 *
 * Every file is read confined to the rootfs (symlinks resolve inside it,
 * never to the host's files) and is capped at 4 MiB.
 */
export interface ExecUser {
  uid: number;
  gid: number;
  /** Supplementary gids for the OCI spec's `additionalGids`. */
  additionalGids: number[];
  /** The passwd name when the user was found there. */
  name?: string;
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const MAX_ID = 2 ** 31 - 1;
const MAX_FILE = 4 << 20;
const MAX_SYMLINKS = 40;

export function resolveUser(rootfs: string, spec: string, groupAdd: string[] = []): ExecUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const users = parsePasswd(readConfined(rootfs, '/etc/passwd'));
  const uidArg = numeric(userArg);

  let uid = 0;
  let gid = 0;
  let home = '/';
  let name: string | undefined;
  const match = users.find((u) => (userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  if (match) {
    ({ uid, gid, home, name } = match);
  } else if (userArg !== '') {
    if (uidArg === undefined) throw new DrydockError('not-found', `unable to find user ${userArg}: no matching entries in passwd file`);
    uid = checkRange(uidArg, 'uid');
  }

  const groupText = readConfined(rootfs, '/etc/group');
  const groups = parseGroup(groupText);
  const additionalGids: number[] = [];
  if (groupArg !== '') {
    const gidArg = numeric(groupArg);
    const g = groups.find((e) => (gidArg !== undefined ? e.gid === gidArg : e.name === groupArg));
    if (g) gid = g.gid;
    else if (gidArg === undefined) throw new DrydockError('not-found', `unable to find group ${groupArg}: no matching entries in group file`);
    else gid = checkRange(gidArg, 'gid');
  } else if (name !== undefined) {
    for (const g of groups) if (g.members.includes(name)) additionalGids.push(g.gid);
  }
  for (const add of groupAdd) {
    const n = numeric(add);
    const g = groups.find((e) => e.name === add);
    if (g) additionalGids.push(g.gid);
    else if (n !== undefined) additionalGids.push(checkRange(n, 'gid'));
    else throw new DrydockError('not-found', `unable to find group ${add}: no matching entries in group file`);
  }
  return { uid, gid, additionalGids, home, ...(name !== undefined ? { name } : {}) };
}

function numeric(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined;
}

function checkRange(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n > MAX_ID) throw new DrydockError('invalid-argument', `${what} ${n} is out of range`);
  return n;
}

export function parsePasswd(text: string | null): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of fields(text)) {
    const uid = numeric(f[2] ?? '');
    const gid = numeric(f[3] ?? '');
    if (f[0] && uid !== undefined && gid !== undefined) out.push({ name: f[0], uid, gid, home: f[5] || '/' });
  }
  return out;
}

export function parseGroup(text: string | null): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of fields(text)) {
    const gid = numeric(f[2] ?? '');
    if (f[0] && gid !== undefined) out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

function fields(text: string | null): string[][] {
  if (!text) return [];
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/**
 * Resolves `path` (absolute, as seen inside the container) to a host path
 * under `root`, following symlinks the way the kernel would inside a chroot:
 * absolute targets restart at `root`, `..` never climbs above it. Returns
 * `missing` with the components left when a component does not exist.
 */
export function resolveInRoot(root: string, path: string): { host: string; missing: string[] } {
  const todo = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const comp = todo.shift() as string;
    if (comp === '..') {
      done.pop();
      continue;
    }
    const host = [root, ...done, comp].join('/');
    let st;
    try {
      st = lstatSync(host);
    } catch {
      return { host: [root, ...done].join('/'), missing: [comp, ...todo] };
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw new DrydockError('invalid-argument', `too many levels of symbolic links in ${path}`);
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    done.push(comp);
  }
  return { host: [root, ...done].join('/'), missing: [] };
}

/** Reads a regular file of the rootfs, confined to it; null when missing or not a regular file. */
export function readConfined(root: string, path: string): string | null {
  const { host, missing } = resolveInRoot(root, path);
  if (missing.length > 0) return null;
  let fd: number;
  try {
    fd = openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    if (st.size > MAX_FILE) throw new DrydockError('invalid-argument', `${path} in the image is larger than ${MAX_FILE} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the working directory inside the rootfs when it is missing, as
 * Docker does before start: new directories are 0755 and owned by the
 * container's user; existing ones are left alone. Confined like reads.
 */
export function ensureWorkingDir(root: string, cwd: string, owner: { uid: number; gid: number }): void {
  let { host, missing } = resolveInRoot(root, cwd);
  let guard = 0;
  while (missing.length > 0) {
    if (++guard > 4096) throw new DrydockError('internal', `cannot create working directory ${cwd}`);
    const next = missing[0] as string;
    const target = `${host}/${next}`;
    try {
      mkdirSync(target, { mode: 0o755 });
      chownSync(target, owner.uid, owner.gid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DrydockError('io', `cannot create working directory ${cwd}: ${(err as Error).message}`, { cause: err });
      }
    }
    // Re-resolve: the new component (or a dangling symlink's target) now exists.
    ({ host, missing } = resolveInRoot(root, cwd));
  }
  const st = lstatSync(host);
  if (!st.isDirectory()) throw new DrydockError('invalid-argument', `working directory ${cwd} is not a directory`);
}
