import { Transform, type TransformCallback } from 'node:stream';

/** A pass-through that reports the bytes seen so far every `every` bytes (and never more often). */
export function byteProgress(report: (bytes: number) => void, every = 4 << 20): Transform {
  let seen = 0;
  let reported = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      seen += chunk.length;
      if (seen - reported >= every) {
        reported = seen;
        report(seen);
      }
      cb(null, chunk);
    },
  });
}
