import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TarInspector } from '../../src/layers/tar-inspector.js';
import { TarSniffer } from '../../src/layers/tar-sniffer.js';
import { tarOf } from '../helpers/fixtures.js';

/** Streams `bytes` through a sniffer in `chunk`-sized pieces; returns what passed and what it learned. */
async function sniff(bytes: Buffer, chunk = 64 * 1024) {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  const out: Buffer[] = [];
  const sniffer = new TarSniffer();
  await pipeline(Readable.from(pieces), sniffer, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  return { passed: Buffer.concat(out), result: sniffer.result };
}

async function inspect(bytes: Buffer) {
  const inspector = new TarInspector();
  await pipeline(Readable.from([bytes]), inspector, new Writable({ write: (_c, _e, cb) => cb() }));
  return inspector.summary;
}

describe('TarSniffer', () => {
  const files = [
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
    { name: 'big.bin', content: Buffer.alloc(300_000, 7) },
    { name: 'bin/sh', type: 'symlink' as const, linkname: 'busybox' },
  ];

  it('inspects a tar as TarInspector does, whatever the chunk size, and passes every byte', async () => {
    const tar = await tarOf(files);
    const expected = await inspect(tar);
    for (const chunk of [1, 100, 511, 512, 4096, 1 << 20]) {
      const { passed, result } = await sniff(tar, chunk);
      expect(passed.equals(tar)).toBe(true);
      expect(result).toEqual({ kind: 'tar', summary: expected });
    }
    expect(expected.unpackedSize).toBe(26 + 300_000 + 'busybox'.length);
  });

  it('leaves bytes that are not a tar alone', async () => {
    const gz = gzipSync(await tarOf(files));
    for (const bytes of [gz, Buffer.from('{"json":true}'), Buffer.alloc(0)]) {
      const { passed, result } = await sniff(bytes, 100);
      expect(passed.equals(bytes)).toBe(true);
      expect(result).toEqual({ kind: 'not-tar' });
    }
  });

  it('records a hostile or truncated tar without failing the stream', async () => {
    const evil = await tarOf([{ name: '../../etc/cron.d/x', content: 'boom' }]);
    const hostile = await sniff(evil);
    expect(hostile.passed.equals(evil)).toBe(true);
    expect(hostile.result.kind).toBe('bad-tar');
    expect(hostile.result.kind === 'bad-tar' && hostile.result.error.message).toMatch(/escapes the root/);

    const tar = await tarOf(files);
    const truncated = tar.subarray(0, 100_000);
    const cut = await sniff(truncated, 4096);
    expect(cut.passed.equals(truncated)).toBe(true);
    expect(cut.result.kind === 'bad-tar' && cut.result.error.message).toMatch(/truncated/);
  });
});
