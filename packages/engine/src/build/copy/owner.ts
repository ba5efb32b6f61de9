/**
 * `--chown` and `--chmod` for COPY/ADD, with BuildKit's rules (which differ
 * from `docker run -u`'s):
 *
 * - `--chown=<user>[:<group>]`, each part a decimal id or a name. A numeric
 *   user sets both uid and gid to that number (`--chown=1000` is 1000:1000).
 *   A user name takes uid and primary gid from the destination rootfs's
 *   /etc/passwd; a group name takes the gid from its /etc/group. Names that
 *   are not found, or a missing passwd/group file, give 0 silently — as
 *   BuildKit does. An empty part (`user:`, `:group`) means id 0.
 * - `--chmod=<octal>` up to 07777; it replaces all permission bits, setuid,
 *   setgid and sticky included, of every copied file and directory (not
 *   symlinks) and is the mode of directories the copy creates. Symbolic
 *   modes (`u+x`) are not supported here.
 */
import { DrydockError } from '../../errors.js';
import { parseGroup, parsePasswd, readConfined } from '../../runtime/user.js';

export interface Owner {
  uid: number;
  gid: number;
}

const MAX_ID = 2 ** 32 - 1;

/** Resolves a `--chown` value against the destination rootfs `root`. */
export function resolveChown(root: string, spec: string): Owner {
  const colon = spec.indexOf(':');
  const userPart = colon < 0 ? spec : spec.slice(0, colon);
  const groupPart = colon < 0 ? null : spec.slice(colon + 1);
  const owner: Owner = { uid: 0, gid: 0 };
  const uid = numericId(userPart);
  if (uid !== undefined) {
    owner.uid = uid;
    owner.gid = uid;
  } else if (userPart !== '') {
    const entry = parsePasswd(readConfined(root, '/etc/passwd')).find((u) => u.name === userPart);
    if (entry) {
      owner.uid = entry.uid;
      owner.gid = entry.gid;
    }
  }
  if (groupPart !== null) {
    const gid = numericId(groupPart);
    if (gid !== undefined) owner.gid = gid;
    else if (groupPart === '') owner.gid = 0;
    else {
      const entry = parseGroup(readConfined(root, '/etc/group')).find((g) => g.name === groupPart);
      if (entry) owner.gid = entry.gid;
    }
  }
  return owner;
}

function numericId(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  if (n > MAX_ID) throw new DrydockError('invalid-argument', `invalid --chown id ${s}: out of range`);
  return n;
}

/** Parses `--chmod` (octal, at most 07777); undefined when not given. */
export function parseChmod(spec: string | undefined): number | undefined {
  if (spec === undefined || spec === '') return undefined;
  const bad = () => new DrydockError('invalid-argument', `invalid chmod parameter: '${spec}'. it should be octal string and between 0 and 07777`);
  if (!/^[0-7]+$/.test(spec)) throw bad();
  const mode = parseInt(spec, 8);
  if (mode > 0o7777) throw bad();
  return mode;
}
