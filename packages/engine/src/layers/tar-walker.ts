/**
 * A synchronous walk over a tar's headers, for readers that need each entry's
 * header but not its data: checking a layer while it streams past, and taking
 * PAX records as raw bytes. It skips the data without copying it, so a layer of
 * thousands of files costs a header decode per file, not a stream per file.
 *
 * It reads exactly what tar-stream's extract reads and fails where it fails,
 * with the same messages: ustar and GNU headers (the ustar prefix, base-256
 * numbers, the old trailing-slash directory), GNU long names and link names,
 * PAX local records (global ones apply only under a local header, as in
 * tar-stream), zero blocks skipped, a wrong checksum or unknown format refused,
 * and an end in the middle of a header or of data reported as truncation.
 */

export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file';

/** Raw PAX records of one entry: key → value bytes. */
export type PaxRecords = Map<string, Buffer>;

export interface TarHeader {
  /** After the ustar prefix, a GNU long name and a PAX `path`. */
  name: string;
  /** null for a type tar-stream does not name (e.g. GNU sparse): its data is skipped. */
  type: TarEntryType | null;
  /** Bytes of data that follow the header (a PAX `size` wins). */
  size: number;
  linkname: string | null;
  /** Local PAX records merged over the global ones; null without a local PAX header. */
  pax: PaxRecords | null;
}

/** A tar that cannot be read: corrupt, not a tar, or cut short. */
export class TarFormatError extends Error {}

const BLOCK = 512;
/** The largest PAX or long-name body accepted (tar-stream's limit). */
const MAX_META = 4 * 1024 * 1024;
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const GNU_MAGIC = Buffer.from('ustar ', 'latin1');
const GNU_VERSION = Buffer.from(' \0', 'latin1');

const TYPES: Record<number, TarEntryType> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
};

type Meta = 'pax' | 'pax-global' | 'long-name' | 'long-link';
/** Typeflags (as tar-stream numbers them: the byte minus '0') of the headers that describe the next entry. */
const META: Record<number, Meta> = { 72: 'pax', 55: 'pax-global', 28: 'long-name', 30: 'long-name', 27: 'long-link' };

export class TarWalker {
  /** Bytes of the current header or metadata body gathered so far. */
  private held: Buffer[] = [];
  private heldLength = 0;
  /** How many bytes the current header or metadata body needs. */
  private need = BLOCK;
  /** Data and padding bytes still to pass over. */
  private skip = 0;
  private meta: Meta | null = null;
  private metaSize = 0;
  private global: PaxRecords | null = null;
  private local: PaxRecords | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;

  constructor(private readonly onEntry: (header: TarHeader) => void) {}

  /** Reads the next bytes of the archive; throws `TarFormatError` (or what `onEntry` throws). */
  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - off);
        this.skip -= n;
        off += n;
        continue;
      }
      let piece: Buffer;
      if (this.heldLength === 0 && chunk.length - off >= this.need) {
        piece = chunk.subarray(off, off + this.need); // the usual case: no copy
        off += this.need;
      } else {
        const take = Math.min(this.need - this.heldLength, chunk.length - off);
        this.held.push(chunk.subarray(off, off + take));
        this.heldLength += take;
        off += take;
        if (this.heldLength < this.need) return;
        piece = Buffer.concat(this.held, this.heldLength);
        this.held = [];
        this.heldLength = 0;
      }
      if (this.meta === null) this.header(piece);
      else this.metaBody(piece);
    }
  }

  /** The archive ended: throws unless it ended between entries. */
  end(): void {
    if (this.skip > 0 || this.heldLength > 0 || this.meta !== null) throw new TarFormatError('Unexpected end of data');
  }

  private header(block: Buffer): void {
    const sum = checksum(block);
    if (sum === 8 * 32) return; // a zero block: the end-of-archive marker, or padding
    if (sum !== decodeNumber(block, 148, 8)) throw new TarFormatError('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
    const ustar = block.compare(USTAR_MAGIC, 0, 6, 257, 263) === 0;
    if (!ustar && !(block.compare(GNU_MAGIC, 0, 6, 257, 263) === 0 && block.compare(GNU_VERSION, 0, 2, 263, 265) === 0)) {
      throw new TarFormatError('Invalid tar header: unknown format.');
    }
    const flag = block[156] === 0 ? 0 : block[156]! - 48;
    let size = decodeNumber(block, 124, 12);
    const meta = META[flag];
    if (meta !== undefined) {
      if (!(size >= 0)) throw new TarFormatError('Invalid header');
      if (size > MAX_META) throw new TarFormatError('Header exceeds max size');
      this.meta = meta;
      this.metaSize = size;
      this.need = size;
      if (size === 0) this.metaBody(Buffer.alloc(0));
      return;
    }
    let name = text(block, 0, 100);
    if (ustar && block[345] !== 0) name = `${text(block, 345, 155)}/${name}`;
    let type: TarEntryType | null = TYPES[flag] ?? null;
    if (flag === 0 && name.endsWith('/')) type = 'directory';
    let linkname = block[157] === 0 ? null : text(block, 157, 100);
    if (this.longName !== null) name = this.longName;
    if (this.longLink !== null) linkname = this.longLink;
    const pax = this.local;
    if (pax !== null) {
      const path = pax.get('path');
      if (path && path.length > 0) name = path.toString('utf8');
      const linkpath = pax.get('linkpath');
      if (linkpath && linkpath.length > 0) linkname = linkpath.toString('utf8');
      const paxSize = pax.get('size');
      if (paxSize && paxSize.length > 0) size = parseInt(paxSize.toString('latin1'), 10);
    }
    this.longName = null;
    this.longLink = null;
    this.local = null;
    if (!(size >= 0)) throw new TarFormatError('Invalid header');
    this.skip = type === 'directory' ? 0 : padded(size);
    this.onEntry({ name, type, size, linkname, pax });
  }

  private metaBody(body: Buffer): void {
    switch (this.meta) {
      case 'pax': {
        const records = parseRecords(body);
        this.local = this.global === null ? records : new Map([...this.global, ...records]);
        break;
      }
      case 'pax-global':
        this.global = parseRecords(body);
        break;
      case 'long-name':
        this.longName = text(body, 0, body.length);
        break;
      case 'long-link':
        this.longLink = text(body, 0, body.length);
        break;
      default:
        break;
    }
    this.meta = null;
    this.need = BLOCK;
    this.skip = padded(this.metaSize) - this.metaSize;
  }
}

/**
 * Parses `"<len> <key>=<value>\n"` records, keeping values as bytes, as
 * tar-stream does: it stops at the first record without a length or a `=`, and
 * a record longer than the body is cut at its end. A negative length, on which
 * tar-stream can loop for ever, also stops it.
 */
export function parseRecords(buf: Buffer): PaxRecords {
  const out: PaxRecords = new Map();
  let pos = 0;
  while (pos < buf.length) {
    let space = buf.indexOf(0x20, pos);
    if (space < 0) space = buf.length;
    const len = parseInt(buf.toString('latin1', pos, space), 10);
    if (!(len > 0)) break;
    const record = buf.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0) break;
    out.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return out;
}

export function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/** The tar header checksum: the byte sum with the checksum field counted as spaces. */
export function checksum(block: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < BLOCK; i++) sum += block[i]!;
  return sum;
}

/** A numeric field: octal text (leading spaces and NULs allowed), or base-256 when the high bit is set. */
function decodeNumber(block: Buffer, start: number, length: number): number {
  const first = block[start]!;
  if (first & 0x80) {
    if (first !== 0x80 && first !== 0xff) return NaN; // tar-stream reads null here; refusing is safer
    const positive = first === 0x80;
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + (positive ? block[i]! : 0xff - block[i]!);
    return positive ? n : -n;
  }
  let i = start;
  const limit = start + length;
  while (i < limit && block[i] === 0x20) i++;
  let end = i;
  while (end < limit && block[end] !== 0x20) end++; // not indexOf: the block may be a view of a large chunk
  while (i < end && block[i] === 0) i++;
  if (end === i) return 0;
  return parseInt(block.toString('latin1', i, end), 8);
}

/** A NUL-terminated UTF-8 field. */
function text(buf: Buffer, start: number, length: number): string {
  const limit = start + length;
  let end = start;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString('utf8', start, end);
}
