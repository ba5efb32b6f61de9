import { posix } from 'node:path';
/**
 * Archives for ADD and for tar build contexts: recognising them as Docker
 * does, and a pass-through scanner that watches the tar headers going by on
 * their way to `unpackLayer`.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DrydockError } from '../../errors.js';
import { detectCompression, type Compression } from '../../layers/decompress.js';

const BLOCK = 512;

/** Sum of a header block with its checksum field counted as spaces. */
function checksumOf(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum;
}

/** Octal (NUL/space padded) or base-256 number field, as tar-stream reads it. */
function numberField(block: Uint8Array, offset: number, length: number): number {
  const first = block[offset]!;
  if (first & 0x80) {
    let n = first & 0x7f;
    for (let i = offset + 1; i < offset + length; i++) n = n * 256 + block[i]!;
    return n;
  }
  let s = '';
  for (let i = offset; i < offset + length; i++) {
    const c = block[i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  s = s.trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function magicOf(block: Uint8Array): 'ustar' | 'gnu' | null {
  const m = Buffer.from(block.subarray(257, 265)).toString('latin1');
  if (m.startsWith('ustar\0')) return 'ustar';
  if (m === 'ustar  \0') return 'gnu';
  return null;
}

/**
 * Whether `block` starts a tar archive we can extract: a non-zero header
 * with a valid checksum (unsigned, as tar-stream checks it) and a ustar or
 * GNU magic. Go also accepts pre-POSIX (v7) headers; our extractor does not,
 * so such a file is treated as a plain file.
 */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK) return false;
  const sum = checksumOf(block);
  if (sum === 8 * 32) return false; // an all-zero block: an empty archive, not a header
  return sum === numberField(block, 148, 8) && magicOf(block) !== null;
}

/** How much of a compressed file to decompress to see its first tar header (bzip2 works in whole blocks of up to 900 kB). */
const SNIFF_BYTES: Record<Compression, number> = { none: BLOCK, gzip: 128 << 10, bzip2: 1536 << 10, xz: 128 << 10, zstd: 128 << 10 };
const TOOL: Record<'bzip2' | 'xz' | 'zstd', string> = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' };

/**
 * Whether the regular file at `hostPath` is a tar archive, plain or gzip,
 * bzip2, xz or zstd compressed — by content, never by name (BuildKit's
 * `isArchivePath`: decompress, then read one tar header). Only a prefix of
 * the file is decompressed. Anything unreadable or corrupt is "not an
 * archive", so ADD copies it as it is; a missing decompressor fails with
 * `unsupported`, as BuildKit fails when `xz` cannot run.
 */
export function isArchiveFile(hostPath: string): boolean {
  const fd = openSync(hostPath, 'r');
  let head: Buffer;
  try {
    head = readPrefix(fd, SNIFF_BYTES.bzip2);
  } finally {
    closeSync(fd);
  }
  const compression = detectCompression(head);
  const input = head.subarray(0, SNIFF_BYTES[compression]);
  let plain: Buffer;
  if (compression === 'none') plain = input;
  else if (compression === 'gzip') {
    try {
      plain = gunzipSync(input, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      return false;
    }
  } else {
    const res = spawnSync(TOOL[compression], ['-dcq'], { input, maxBuffer: 1 << 20 });
    const err = res.error as NodeJS.ErrnoException | undefined;
    if (err?.code === 'ENOENT') throw new DrydockError('unsupported', `${TOOL[compression]} is not installed: cannot decompress a ${compression} archive`);
    plain = res.stdout ?? Buffer.alloc(0);
  }
  return isTarHeader(plain.subarray(0, BLOCK));
}

function readPrefix(fd: number, max: number): Buffer {
  const buf = Buffer.alloc(max);
  let off = 0;
  while (off < max) {
    const n = readSync(fd, buf, off, max - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/**
 * Reads at least `n` bytes of `input` (or all of it) and returns them with
 * a stream that yields everything, those bytes included.
 */
export async function peekStream(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const c = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(c);
    length += c.length;
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head, stream: Readable.from(all(), { objectMode: false }) };
}

/** What a {@link TarScanner} saw. */
export interface TarScan {
  /** Entry names, cleaned ('' for the root entry), in archive order. */
  names: string[];
}

/**
 * A pass-through stream over an uncompressed tar that reads the headers as
 * they go by (tar-stream's rules: ustar prefix, GNU long names, PAX `path`
 * and `size`) and records each entry's name. It fails with `unsupported`
 * before passing on a chunk that holds an OCI whiteout (`.wh.*`) entry:
 * `unpackLayer` would apply it, deleting files, where Docker's `Untar`
 * writes it as an ordinary file. Malformed headers are left for the
 * extractor to report.
 */
export class TarScanner extends Transform implements TarScan {
  readonly names: string[] = [];
  private head: Buffer[] = [];
  private headLength = 0;
  private skip = 0;
  private long: { type: number; size: number; chunks: Buffer[]; got: number } | null = null;
  private pax: Record<string, string> | null = null;
  private paxGlobal: Record<string, string> | null = null;
  private gnuLongPath: string | null = null;
  private stopped = false;

  constructor(private readonly label = 'archive') {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      if (!this.stopped) this.scan(chunk);
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb(null, chunk);
  }

  private scan(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.stopped) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - off);
        this.skip -= n;
        off += n;
      } else if (this.long) {
        const n = Math.min(this.long.size - this.long.got, chunk.length - off);
        this.long.chunks.push(chunk.subarray(off, off + n));
        this.long.got += n;
        off += n;
        if (this.long.got === this.long.size) this.finishLong();
      } else {
        const n = Math.min(BLOCK - this.headLength, chunk.length - off);
        this.head.push(chunk.subarray(off, off + n));
        this.headLength += n;
        off += n;
        if (this.headLength === BLOCK) {
          const block = Buffer.concat(this.head);
          this.head = [];
          this.headLength = 0;
          this.header(block);
        }
      }
    }
  }

  private header(block: Buffer): void {
    const sum = checksumOf(block);
    if (sum === 8 * 32) return; // zero block
    if (sum !== numberField(block, 148, 8)) {
      this.stopped = true; // corrupt: the extractor reports it
      return;
    }
    let type = block[156]!;
    let size = numberField(block, 124, 12);
    if (type === 0x4c /* L */ || type === 0x4b /* K */ || type === 0x78 /* x */ || type === 0x67 /* g */) {
      this.long = { type, size, chunks: [], got: 0 };
      if (size === 0) this.finishLong();
      return;
    }
    let name = cString(block, 0, 100);
    if (magicOf(block) === 'ustar' && block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
    if ((type === 0 || type === 0x30) && name.endsWith('/')) type = 0x35;
    if (this.gnuLongPath !== null) name = this.gnuLongPath;
    if (this.pax) {
      if (this.pax.path !== undefined) name = this.pax.path;
      if (this.pax.size !== undefined) size = parseInt(this.pax.size, 10);
    }
    this.gnuLongPath = null;
    this.pax = null;
    const clean = posix.normalize(`/${name}`).slice(1).replace(/\/$/, '');
    const base = clean.slice(clean.lastIndexOf('/') + 1);
    if (base.startsWith('.wh.')) {
      throw new DrydockError('unsupported', `${this.label} entry ${JSON.stringify(name)} is named like an OCI whiteout (.wh.*); extracting such entries as plain files is not supported`);
    }
    this.names.push(clean);
    this.skip = type === 0x35 ? 0 : size + padding(size);
  }

  private finishLong(): void {
    const long = this.long!;
    this.long = null;
    const body = Buffer.concat(long.chunks);
    this.skip = padding(long.size);
    if (long.type === 0x4c) this.gnuLongPath = cString(body, 0, body.length);
    else if (long.type === 0x67) this.paxGlobal = parsePax(body);
    else if (long.type === 0x78) this.pax = { ...(this.paxGlobal ?? {}), ...parsePax(body) };
  }
}

function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

function cString(buf: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && end < buf.length && buf[end] !== 0) end++;
  return Buffer.from(buf.subarray(offset, end)).toString('utf8');
}

/** PAX records: `<len> <key>=<value>\n`. */
function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < body.length) {
    const space = body.indexOf(0x20, off);
    if (space < 0) break;
    const len = parseInt(body.subarray(off, space).toString('latin1'), 10);
    if (!(len > 0) || off + len > body.length) break;
    const record = body.subarray(space + 1, off + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    off += len;
  }
  return out;
}
