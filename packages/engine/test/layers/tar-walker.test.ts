import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, linkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TarWalker, checksum, type TarHeader } from '../../src/layers/tar-walker.js';
import { tarOf } from '../helpers/fixtures.js';

/**
 * TarWalker replaces tar-stream where only headers matter (checking layers,
 * raw PAX records), so it must read exactly what tar-stream reads: these tests
 * run both over archives from GNU tar in each of its formats, from tar-stream's
 * own packer, from crafted headers, and over thousands of damaged copies.
 */

interface Seen {
  name: string;
  type: string | null;
  size: number;
  linkname: string | null;
  pax: Record<string, string> | null;
}
interface Outcome {
  entries: Seen[];
  error: 'truncated' | 'corrupt' | 'other' | null;
}

function category(err: Error): Outcome['error'] {
  if (/unexpected end/i.test(err.message)) return 'truncated';
  if (/invalid tar header|invalid header/i.test(err.message)) return 'corrupt';
  return 'other';
}

function pieces(bytes: Buffer, chunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(bytes.subarray(i, i + chunk));
  return out;
}

async function withTarStream(bytes: Buffer): Promise<Outcome> {
  const entries: Seen[] = [];
  const extract = tar.extract();
  try {
    const done = (async () => {
      for await (const entry of extract) {
        const h = entry.header;
        // A base-256 number that starts with neither 0x80 nor 0xff: tar-stream reads the size as null
        // and then waits for ever. The walker refuses such a header; count it as corrupt here.
        if (typeof h.size !== 'number') throw new Error('Invalid header');
        entries.push({ name: h.name, type: h.type ?? null, size: h.size ?? 0, linkname: h.linkname ?? null, pax: h.pax ? { ...h.pax } : null });
        entry.resume();
      }
    })();
    Readable.from(pieces(bytes, 4096)).pipe(extract as unknown as NodeJS.WritableStream);
    await done;
    return { entries, error: null };
  } catch (err) {
    return { entries, error: category(err as Error) };
  }
}

function withWalker(bytes: Buffer, chunk: number): Outcome {
  const entries: Seen[] = [];
  const walker = new TarWalker((h: TarHeader) => {
    const pax = h.pax ? Object.fromEntries([...h.pax].map(([k, v]) => [k, v.toString('utf8')])) : null;
    entries.push({ name: h.name, type: h.type, size: h.size, linkname: h.linkname, pax });
  });
  try {
    for (const piece of pieces(bytes, chunk)) walker.write(piece);
    walker.end();
    return { entries, error: null };
  } catch (err) {
    return { entries, error: category(err as Error) };
  }
}

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets of every header block (entries and PAX/long-name headers alike), as tar-stream walks them. */
function headerOffsets(bytes: Buffer): number[] {
  const out: number[] = [];
  let off = 0;
  while (off + 512 <= bytes.length) {
    const block = bytes.subarray(off, off + 512);
    if (checksum(block) === 256) {
      off += 512;
      continue;
    }
    out.push(off);
    const size = parseInt(block.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const isDir = block[156] === 0x35;
    off += 512 + (isDir ? 0 : Math.ceil(size / 512) * 512);
  }
  return out;
}

function withChecksum(block: Buffer): void {
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

const formats = ['gnu', 'oldgnu', 'ustar', 'posix', 'v7'] as const;

describe('TarWalker reads what tar-stream reads', () => {
  let dir: string;
  const archives = new Map<string, Buffer>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-walker-'));
    const tree = join(dir, 'tree');
    const deep = join(tree, 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(40));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'file-with-a-name-long-enough-to-need-a-prefix-or-a-long-name.txt'), 'deep\n');
    writeFileSync(join(tree, 'empty'), '');
    writeFileSync(join(tree, 'blocks'), Buffer.alloc(512 * 3, 1));
    writeFileSync(join(tree, 'odd'), Buffer.alloc(1000, 2));
    writeFileSync(join(tree, 'naïve-ünïcödé'), 'utf8 name\n');
    symlinkSync('x'.repeat(150), join(tree, 'long-link'));
    symlinkSync('odd', join(tree, 'short-link'));
    linkSync(join(tree, 'odd'), join(tree, 'hard'));
    execFileSync('mkfifo', [join(tree, 'pipe')]);
    execFileSync('setfattr', ['-n', 'user.note', '-v', 'kept', join(tree, 'odd')]);
    // A sparse file: GNU tar writes it as its own entry type (tar-stream names no type for it).
    execFileSync('truncate', ['-s', '1M', join(tree, 'sparse')]);
    writeFileSync(join(tree, 'sparse'), 'end', { flag: 'a' });
    for (const format of formats) {
      const out = join(dir, `${format}.tar`);
      const args = ['--format', format, '-C', tree, '-cf', out, '.'];
      if (format === 'gnu') args.unshift('--sparse');
      if (format === 'posix') args.unshift('--xattrs');
      try {
        execFileSync('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch {
        // v7 and ustar refuse names they cannot hold, yet still write the rest: keep what they wrote.
      }
      archives.set(`GNU tar --format ${format}`, readFileSync(out));
    }
    archives.set('tar-stream pack (PAX for long names)', await tarOf([
      { name: 'dir/', type: 'directory' },
      { name: `dir/${'n'.repeat(120)}`, content: 'long\n' },
      { name: 'dir/link', type: 'symlink', linkname: 'l'.repeat(120) },
      { name: 'dir/hard', type: 'link', linkname: 'dir/link' },
    ]));
    archives.set('the busybox fixture', readFileSync(join(process.env.DRYDOCK_FIXTURES ?? '/var/cache/drydock-test', 'busybox-rootfs.tar')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same headers for GNU tar, tar-stream and the busybox fixture, whatever the chunk size', async () => {
    expect(archives.size).toBe(formats.length + 2);
    for (const [what, bytes] of archives) {
      const expected = await withTarStream(bytes);
      for (const chunk of [1, 7, 511, 512, 4096, bytes.length]) expect(withWalker(bytes, chunk), `${what} in ${chunk}-byte chunks`).toEqual(expected);
    }
    // The formats do differ, so the comparison covers each way of writing a long name.
    const gnu = await withTarStream(archives.get('GNU tar --format gnu')!);
    expect(gnu.entries.some((e) => e.type === null)).toBe(true); // the sparse file
    expect(gnu.entries.some((e) => e.linkname === 'x'.repeat(150))).toBe(true);
    const posix = await withTarStream(archives.get('GNU tar --format posix')!);
    expect(posix.entries.some((e) => e.pax?.['SCHILY.xattr.user.note'] === 'kept')).toBe(true);
    expect((await withTarStream(archives.get('GNU tar --format v7')!)).error).toBe('corrupt'); // no magic: tar-stream's unknown format
  });

  it('reads PAX global records under a local header only, and base-256 sizes, as tar-stream', async () => {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.entry({ name: 'g', type: 'pax-global-header' as 'file', pax: { comment: 'global' } } as tar.Header, '');
    pack.entry({ name: 'plain', size: 3 }, 'abc');
    pack.entry({ name: 'with-pax', pax: { 'SCHILY.xattr.user.a': 'b' } } as tar.Header, 'xyz');
    pack.finalize();
    await new Promise<void>((r) => pack.on('end', () => r()));
    const bytes = Buffer.concat(chunks);
    const expected = await withTarStream(bytes);
    expect(withWalker(bytes, 100)).toEqual(expected);

    // A size field in base-256 (GNU's encoding for files over 8 GiB), here for 1000 bytes.
    const header = Buffer.from((await tarOf([{ name: 'big', content: Buffer.alloc(1000, 3) }])).subarray(0, 512));
    header.fill(0, 124, 136);
    header[124] = 0x80;
    header.writeUInt16BE(1000, 134);
    withChecksum(header);
    const crafted = Buffer.concat([header, Buffer.alloc(1024, 3), Buffer.alloc(1024)]);
    const read = withWalker(crafted, 512);
    expect(read).toEqual(await withTarStream(crafted));
    expect(read.entries).toEqual([{ name: 'big', type: 'file', size: 1000, linkname: null, pax: null }]);
  });

  it('fails where tar-stream fails, with the same kind of error, on thousands of damaged archives', async () => {
    const base = archives.get('GNU tar --format posix')!;
    const gnu = archives.get('GNU tar --format gnu')!;
    const random = prng(20261127);
    let refused = 0;
    let cases = 0;
    for (const source of [base, gnu]) {
      const offsets = headerOffsets(source);
      for (let i = 0; i < 600; i++) {
        const bytes = Buffer.from(source);
        const at = offsets[Math.floor(random() * offsets.length)]!;
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--) bytes[at + Math.floor(random() * 512)] = Math.floor(random() * 256);
        if (random() < 0.7) withChecksum(bytes.subarray(at, at + 512)); // most damage gets past the checksum
        const expected = await withTarStream(bytes);
        expect(withWalker(bytes, 4096), `case ${i}: damage at ${at}`).toEqual(expected);
        if (expected.error) refused++;
        cases++;
      }
      for (let cut = 1; cut < source.length; cut += 499) {
        const bytes = source.subarray(0, cut);
        expect(withWalker(bytes, 1000), `cut at ${cut}`).toEqual(await withTarStream(bytes));
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(50); // the damage is real: many are refused
  });
});
