/**
 * PAX extended-header records as raw bytes.
 *
 * tar-stream decodes PAX values as UTF-8 text, which corrupts binary values
 * such as `SCHILY.xattr.security.capability`. `PaxTap` watches the same bytes
 * tar-stream parses, walks the archive's 512-byte blocks the way tar-stream
 * does (same size, directory and long-name rules), and queues for each real
 * entry its name and raw PAX records, so the unpacker can take the exact
 * attribute bytes. The unpacker checks the names agree before trusting a record.
 */

/** Raw PAX records of one entry: key → value bytes. */
export type PaxRecords = Map<string, Buffer>;

export interface TappedEntry {
  name: string;
  /** Local PAX records merged over the global ones; null when the entry has no local PAX header (as tar-stream). */
  records: PaxRecords | null;
}

const BLOCK = 512;
const MAX_META = 4 * 1024 * 1024;

export class PaxTap {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private need = BLOCK;
  private skip = 0;
  private body: 'x' | 'g' | 'long-name' | 'long-link' | null = null;
  private bodySize = 0;
  private global: PaxRecords | null = null;
  private local: PaxRecords | null = null;
  private longName: string | null = null;
  private readonly queue: TappedEntry[] = [];
  private broken = false;

  /** Feeds the next bytes of the archive (before tar-stream sees them). */
  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.broken) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - off);
        this.skip -= n;
        off += n;
        continue;
      }
      const take = Math.min(this.need - this.carryLen, chunk.length - off);
      this.carry.push(chunk.subarray(off, off + take));
      this.carryLen += take;
      off += take;
      if (this.carryLen < this.need) break;
      const buf = this.carry.length === 1 ? this.carry[0]! : Buffer.concat(this.carry, this.carryLen);
      this.carry = [];
      this.carryLen = 0;
      if (this.body === null) this.header(buf);
      else this.meta(buf);
    }
  }

  /** The next real entry's name and records, in archive order. */
  shift(): TappedEntry | undefined {
    return this.queue.shift();
  }

  private header(block: Buffer): void {
    if (checksum(block) === 8 * 32) return; // an end-of-archive block
    const flag = block[156] ?? 0;
    const size = decodeNumber(block.subarray(124, 136));
    const meta = flag === 0x78 ? 'x' : flag === 0x67 ? 'g' : flag === 0x4c || flag === 0x4e ? 'long-name' : flag === 0x4b ? 'long-link' : null;
    if (meta !== null) {
      if (size > MAX_META) {
        this.broken = true;
        return;
      }
      this.body = meta;
      this.bodySize = size;
      this.need = size;
      if (size === 0) this.meta(Buffer.alloc(0));
      return;
    }
    let name = cString(block, 0, 100);
    if (block.subarray(257, 263).toString('latin1') === 'ustar\0' && block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
    const isDir = flag === 0x35 || ((flag === 0 || flag === 0x30) && name.endsWith('/'));
    if (this.longName !== null) name = this.longName;
    const local = this.local;
    const records = local === null ? null : new Map([...(this.global ?? []), ...local]);
    const path = records?.get('path');
    if (path) name = path.toString('utf8');
    const paxSize = records?.get('size');
    const dataSize = paxSize && paxSize.length > 0 ? parseInt(paxSize.toString('latin1'), 10) : size;
    this.queue.push({ name, records });
    this.local = null;
    this.longName = null;
    this.skip = isDir ? 0 : padded(dataSize);
  }

  private meta(buf: Buffer): void {
    switch (this.body) {
      case 'x':
        this.local = parseRecords(buf);
        break;
      case 'g':
        this.global = parseRecords(buf);
        break;
      case 'long-name':
        this.longName = cString(buf, 0, buf.length);
        break;
      default:
        break;
    }
    this.body = null;
    this.need = BLOCK;
    this.skip = padded(this.bodySize) - this.bodySize;
  }
}

/** Parses `"<len> <key>=<value>\n"` records, keeping values as bytes. */
export function parseRecords(buf: Buffer): PaxRecords {
  const out: PaxRecords = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const space = buf.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(buf.subarray(pos, space).toString('latin1'), 10);
    if (!(len > 0) || pos + len > buf.length) break;
    const record = buf.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) out.set(record.subarray(0, eq).toString('utf8'), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return out;
}

/** Encodes records (sorted by key for determinism) as a PAX extended-header body. */
export function encodeRecords(records: Iterable<[string, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of [...records].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
    let len = body.length + String(body.length).length;
    if (String(len).length !== String(body.length).length) len = body.length + String(len).length;
    parts.push(Buffer.from(String(len), 'latin1'), body);
  }
  return Buffer.concat(parts);
}

/** The extended attributes a PAX header carries (`SCHILY.xattr.<name>`, or libarchive's `LIBARCHIVE.xattr.<%name>` base64). */
export function xattrsOf(records: PaxRecords | null): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  if (!records) return out;
  for (const [key, value] of records) {
    if (key.startsWith('SCHILY.xattr.')) out.push([key.slice(13), value]);
    else if (key.startsWith('LIBARCHIVE.xattr.')) {
      out.push([decodeURIComponent(key.slice(17)), Buffer.from(value.toString('latin1'), 'base64')]);
    }
  }
  return out;
}

export function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** The tar header checksum: the byte sum with the checksum field counted as spaces. */
export function checksum(block: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] ?? 0;
  return sum;
}

/** A numeric header field: octal text, or base-256 when the high bit is set. */
function decodeNumber(field: Buffer): number {
  if ((field[0] ?? 0) & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8) || 0;
}

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.subarray(start, end < 0 || end > start + len ? start + len : end).toString('utf8');
}
