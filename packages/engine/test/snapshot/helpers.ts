import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { sha256, type Digest } from '../../src/digest.js';
import { END_OF_ARCHIVE, encodeHeader, padding, type TarEntryHeader } from '../../src/snapshot/tar-writer.js';
import { readXattrTree } from '../../src/snapshot/xattr.js';

export const MTIME = 1_700_000_000;

export interface E extends Partial<Omit<TarEntryHeader, 'name'>> {
  name: string;
  body?: string | Buffer;
}

/** Builds an uncompressed layer tar in memory. Defaults: files 0644, dirs 0755, root-owned, MTIME. */
export function buildTar(entries: E[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const type = e.type ?? (e.name.endsWith('/') ? 'directory' : 'file');
    const name = e.name.replace(/\/$/, '');
    parts.push(encodeHeader({ mode: type === 'directory' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: MTIME, ...e, name, type, size: body.length }));
    if (body.length > 0) parts.push(body, padding(body.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

export function layer(buf: Buffer): { diffId: Digest; open: () => Readable } {
  return { diffId: sha256(buf), open: () => Readable.from([buf]) };
}

export interface TarListing {
  name: string;
  type: string;
  mode: number;
  size: number;
  linkname: string | null;
  body: string;
}

/** Lists a tar stream's entries (tar-stream parses it, independently of our writer). */
export async function listTar(source: Readable): Promise<TarListing[]> {
  const extract = tar.extract();
  const out: TarListing[] = [];
  source.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
    const h = entry.header;
    out.push({ name: h.name, type: h.type, mode: h.mode, size: h.size, linkname: h.linkname, body: Buffer.concat(chunks).toString('utf8') });
  }
  return out;
}

/**
 * A comparable description of a tree: per path, type, mode, owner, content
 * hash or link target or device, mtime in whole seconds (non-directories),
 * and extended attributes other than overlayfs's own.
 */
export function describeTree(root: string, opts: { skip?: string[]; dirTimes?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const xattrs = readXattrTree(root, '-');
  const walk = (rel: string): void => {
    for (const name of readdirSync(rel === '' ? root : `${root}/${rel}`).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (opts.skip?.includes(r)) continue;
      const p = `${root}/${r}`;
      const st = lstatSync(p);
      let what: string;
      if (st.isDirectory()) what = 'dir';
      else if (st.isSymbolicLink()) what = `symlink->${readlinkSync(p)}`;
      else if (st.isFile()) what = `file:${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 12)}`;
      else if (st.isCharacterDevice()) what = `chr:${st.rdev}`;
      else if (st.isBlockDevice()) what = `blk:${st.rdev}`;
      else if (st.isFIFO()) what = 'fifo';
      else what = 'other';
      const time = st.isDirectory() && !opts.dirTimes ? '' : ` t=${Math.floor(st.mtimeMs / 1000)}`;
      const attrs = [...(xattrs.get(r) ?? [])]
        .filter(([k]) => !k.startsWith('trusted.overlay.'))
        .map(([k, v]) => `${k}=${v.toString('hex')}`)
        .sort()
        .join(',');
      out[r] = `${what} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}${st.isSymbolicLink() ? '' : time}${attrs ? ` [${attrs}]` : ''}`;
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}
