/**
 * PAX extended-header records as raw bytes.
 *
 * tar-stream decodes PAX values as UTF-8 text, which corrupts binary values
 * such as `SCHILY.xattr.security.capability`. `PaxTap` watches the same bytes
 * tar-stream parses with a `TarWalker` (which reads headers as tar-stream does)
 * and queues for each real entry its name and raw PAX records, so the unpacker
 * can take the exact attribute bytes. The unpacker checks the names agree
 * before trusting a record.
 */
import { TarWalker, type PaxRecords } from '../layers/tar-walker.js';

export type { PaxRecords };


export interface TappedEntry {
  name: string;
  /** Local PAX records merged over the global ones; null when the entry has no local PAX header (as tar-stream). */
  records: PaxRecords | null;
}

export class PaxTap {
  private readonly queue: TappedEntry[] = [];
  private readonly walker = new TarWalker((h) => this.queue.push({ name: h.name, records: h.pax }));
  private broken = false;

  /** Feeds the next bytes of the archive (before tar-stream sees them). A tar the walker cannot read stops the tap: tar-stream reports it. */
  write(chunk: Buffer): void {
    if (this.broken) return;
    try {
      this.walker.write(chunk);
    } catch {
      this.broken = true;
    }
  }

  /** The next real entry's name and records, in archive order. */
  shift(): TappedEntry | undefined {
    return this.queue.shift();
  }
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
