import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parallelGzip } from '../../src/layers/parallel-gzip.js';

async function compress(data: Buffer, blockSize: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Feed odd-sized chunks so blocks straddle them.
  const pieces = Array.from({ length: Math.ceil(data.length / 7777) }, (_, i) => data.subarray(i * 7777, (i + 1) * 7777));
  for await (const c of Readable.from(pieces).pipe(parallelGzip({ blockSize, concurrency: 3 }))) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('parallel gzip', () => {
  it.each([
    ['empty', 0],
    ['smaller than a block', 1000],
    ['exactly two blocks', 2 * 65536],
    ['many blocks and a tail', 10 * 65536 + 123],
  ])('%s: a multi-member stream that zlib and gzip(1) read back whole, the same bytes every time', async (_name, size) => {
    const data = randomBytes(size);
    const a = await compress(data, 65536);
    expect(gunzipSync(a).equals(data)).toBe(true);
    expect(execFileSync('gzip', ['-dc'], { input: a }).equals(data)).toBe(true);
    expect((await compress(data, 65536)).equals(a)).toBe(true);
  });
});
