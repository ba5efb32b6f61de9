import { Transform, type TransformCallback } from 'node:stream';
import { LayerTarCheck, type LayerTarSummary } from './tar-inspector.js';

/** What a `TarSniffer` learned about the bytes that passed it. */
export type SniffResult =
  | { kind: 'not-tar' }
  | { kind: 'tar'; summary: LayerTarSummary }
  | { kind: 'bad-tar'; error: Error };

const BLOCK = 512;
const USTAR_MAGIC = Buffer.from('ustar');

/**
 * A pass-through stream that checks its bytes with a `LayerTarCheck` when
 * they begin like a POSIX tar (the `ustar` magic at offset 257), so that an
 * archive member which turns out to be a layer needs no second read. It never
 * fails the stream: a hostile or broken tar is recorded in `result`, for the
 * reader that treats the member as a layer to refuse.
 */
export class TarSniffer extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  private check: LayerTarCheck | undefined;
  private failure: Error | undefined;
  private decided = false;

  constructor() {
    super({ highWaterMark: 1 << 20 });
  }

  get result(): SniffResult {
    if (!this.check) return { kind: 'not-tar' };
    return this.failure ? { kind: 'bad-tar', error: this.failure } : { kind: 'tar', summary: this.check.summary };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.decided) this.feed(chunk);
    else {
      this.head.push(chunk);
      this.headLength += chunk.length;
      if (this.headLength >= BLOCK) this.decide();
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (!this.decided) this.decide();
    if (this.check && !this.failure) this.attempt(() => this.check!.end());
    cb();
  }

  /** Starts checking when the first block has the tar magic, then feeds it what was held back. */
  private decide(): void {
    this.decided = true;
    const held = Buffer.concat(this.head);
    this.head = [];
    if (held.length >= BLOCK && held.subarray(257, 262).equals(USTAR_MAGIC)) this.check = new LayerTarCheck();
    this.feed(held);
  }

  /** Once the check has failed, bytes only pass through. */
  private feed(chunk: Buffer): void {
    if (this.check && !this.failure) this.attempt(() => this.check!.write(chunk));
  }

  private attempt(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.failure = err as Error;
    }
  }
}
