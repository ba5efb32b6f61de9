import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/**
 * gzip on several cores, the way pigz does without its shared dictionary:
 * the input is cut into fixed-size blocks, each compressed by zlib on the
 * thread pool as its own gzip member, and the members are written in order.
 * A series of members is one valid gzip stream (RFC 1952, 2.2) that every
 * gunzip, Go's and zlib's included, reads whole. The output depends only on
 * the input, the block size and the level, so it is reproducible.
 */
export function parallelGzip(opts: { blockSize?: number; concurrency?: number; level?: number } = {}): Transform {
  const blockSize = opts.blockSize ?? 4 << 20;
  const concurrency = opts.concurrency ?? 4;
  const level = opts.level ?? 6;
  const pending: Promise<Buffer>[] = [];
  let held: Buffer[] = [];
  let heldBytes = 0;
  let blocks = 0;
  const queue = (block: Buffer) => {
    const p = gzipAsync(block, { level });
    p.catch(() => {}); // reported when awaited, in order
    pending.push(p);
    blocks++;
  };
  return new Transform({
    async transform(this: Transform, chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      try {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes >= blockSize) {
          let all = Buffer.concat(held);
          while (all.length >= blockSize) {
            queue(all.subarray(0, blockSize));
            all = all.subarray(blockSize);
          }
          held = all.length ? [all] : [];
          heldBytes = all.length;
        }
        while (pending.length >= concurrency) this.push(await pending.shift()!);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    async flush(this: Transform, cb: TransformCallback) {
      try {
        if (heldBytes > 0 || blocks === 0) queue(Buffer.concat(held));
        while (pending.length) this.push(await pending.shift()!);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}
