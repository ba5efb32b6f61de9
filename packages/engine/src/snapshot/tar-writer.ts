import { checksum, padded } from '../layers/tar-walker.js';
import { encodeRecords } from './pax.js';

/**
 * Tar headers for the layer tars we write: ustar, with a PAX extended header
 * (typeflag `x`) in front of an entry whenever ustar cannot carry something:
 * a long or non-ASCII path or link target, a size or id too large for its
 * octal field, or extended attributes (`SCHILY.xattr.<name>`, raw bytes, as
 * Go's archive/tar writes them for Docker).
 *
 * tar-stream's packer is not used here because it replaces a mode of 0 with
 * 0644/0755 and encodes PAX values as UTF-8 text, which corrupts binary
 * attributes such as `security.capability`.
 */
export interface TarEntryHeader {
  /** Relative path; directories without a trailing slash (one is added). */
  name: string;
  type: 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (whole seconds are written). */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Iterable<[string, Buffer]>;
}

const TYPEFLAG: Record<TarEntryHeader['type'], string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

/** The header block(s) for one entry: an optional PAX header and its body, then the ustar header. */
export function encodeHeader(h: TarEntryHeader): Buffer {
  const name = h.type === 'directory' ? `${h.name}/` : h.name;
  const records: [string, Buffer][] = [];
  const split = splitUstarName(name);
  if (split === null) records.push(['path', Buffer.from(name, 'utf8')]);
  const linkname = h.linkname ?? '';
  const linkFits = isAscii(linkname) && linkname.length <= 100;
  if (!linkFits) records.push(['linkpath', Buffer.from(linkname, 'utf8')]);
  if (h.size > MAX_OCTAL_12) records.push(['size', Buffer.from(String(h.size))]);
  if (h.uid > MAX_OCTAL_8) records.push(['uid', Buffer.from(String(h.uid))]);
  if (h.gid > MAX_OCTAL_8) records.push(['gid', Buffer.from(String(h.gid))]);
  for (const [k, v] of h.xattrs ?? []) records.push([`SCHILY.xattr.${k}`, v]);

  const blocks: Buffer[] = [];
  const mtime = Math.max(0, Math.floor(h.mtime));
  if (records.length > 0) {
    const body = encodeRecords(records);
    const base = placeholder(name.replace(/\/$/, '').split('/').pop() ?? 'entry');
    blocks.push(
      ustar({ prefix: '', name: `PaxHeaders.0/${base}`.slice(0, 100), mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, flag: 'x', linkname: '', major: 0, minor: 0 }),
      body,
      Buffer.alloc(padded(body.length) - body.length),
    );
  }
  const [prefix, short] = split ?? ['', placeholder(name)];
  blocks.push(
    ustar({
      prefix,
      name: short,
      mode: h.mode & 0o7777,
      uid: Math.min(h.uid, MAX_OCTAL_8),
      gid: Math.min(h.gid, MAX_OCTAL_8),
      size: h.type === 'file' ? Math.min(h.size, MAX_OCTAL_12) : 0,
      mtime,
      flag: TYPEFLAG[h.type],
      linkname: linkFits ? linkname : placeholder(linkname),
      major: h.devmajor ?? 0,
      minor: h.devminor ?? 0,
    }),
  );
  return Buffer.concat(blocks);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(1024);

/** Zero padding after `size` bytes of entry data. */
export function padding(size: number): Buffer {
  return Buffer.alloc(padded(size) - size);
}

interface Fields {
  prefix: string;
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  flag: string;
  linkname: string;
  major: number;
  minor: number;
}

function ustar(f: Fields): Buffer {
  const b = Buffer.alloc(512);
  b.write(f.name, 0, 100, 'latin1');
  b.write(octal(f.mode, 7), 100, 'latin1');
  b.write(octal(f.uid, 7), 108, 'latin1');
  b.write(octal(f.gid, 7), 116, 'latin1');
  b.write(octal(f.size, 11), 124, 'latin1');
  b.write(octal(f.mtime, 11), 136, 'latin1');
  b.write(f.flag, 156, 'latin1');
  b.write(f.linkname, 157, 100, 'latin1');
  b.write('ustar\u000000', 257, 'latin1');
  b.write(octal(f.major, 7), 329, 'latin1');
  b.write(octal(f.minor, 7), 337, 'latin1');
  b.write(f.prefix, 345, 155, 'latin1');
  b.write(`${checksum(b).toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return b;
}

function octal(n: number, digits: number): string {
  return `${Math.min(n, 8 ** digits - 1).toString(8).padStart(digits, '0')}\u0000`;
}

function isAscii(s: string): boolean {
  return /^[\x01-\x7f]*$/.test(s);
}

/** Splits a name into ustar's prefix (≤155) and name (≤100) at a slash, or null when it cannot be. */
function splitUstarName(name: string): [string, string] | null {
  if (!isAscii(name)) return null;
  if (name.length <= 100) return ['', name];
  for (let i = name.indexOf('/'); i >= 0 && i <= 155; i = name.indexOf('/', i + 1)) {
    if (name.length - i - 1 <= 100 && i > 0) return [name.slice(0, i), name.slice(i + 1)];
  }
  return null;
}

/** An ASCII stand-in (≤100 bytes) for a name a PAX record carries in full. */
function placeholder(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
}
