import { Transform, type TransformCallback } from 'node:stream';
import { TarInspector, type LayerTarSummary } from './tar-inspector.js';

/** What a `TarSniffer` learned about the bytes that passed it. */
export type SniffResult =
  | { kind: 'not-tar' }
  | { kind: 'tar'; summary: LayerTarSummary }
  | { kind: 'bad-tar'; error: Error };

const BLOCK = 512;
const USTAR_MAGIC = Buffer.from('ustar');

/**
 * A pass-through stream that inspects its bytes with a `TarInspector` when
 * they begin like a POSIX tar (the `ustar` magic at offset 257), so that an
 * archive member which turns out to be a layer needs no second read. It never
 * fails the stream: a hostile or broken tar is recorded in `result`, for the
 * reader that treats the member as a layer to refuse.
 */
export class TarSniffer extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  private inspector: TarInspector | undefined;
  private failure: Error | undefined;
  private decided = false;

  constructor() {
    super({ highWaterMark: 1 << 20 });
  }

  get result(): SniffResult {
    if (!this.inspector) return { kind: 'not-tar' };
    return this.failure ? { kind: 'bad-tar', error: this.failure } : { kind: 'tar', summary: this.inspector.summary };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.push(chunk);
    if (this.decided) return this.feed(chunk, cb);
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < BLOCK) return cb();
    this.decide();
    const held = Buffer.concat(this.head);
    this.head = [];
    this.feed(held, cb);
  }

  override _flush(cb: TransformCallback): void {
    if (!this.decided) {
      this.decide();
      const held = Buffer.concat(this.head);
      this.head = [];
      if (held.length > 0) return this.feed(held, () => this.finish(cb));
    }
    this.finish(cb);
  }

  private decide(): void {
    this.decided = true;
    const first = Buffer.concat(this.head).subarray(0, BLOCK);
    if (first.length < BLOCK || !first.subarray(257, 262).equals(USTAR_MAGIC)) return;
    this.inspector = new TarInspector();
    this.inspector.on('error', (err: Error) => (this.failure ??= err));
    this.inspector.resume(); // its copy of the bytes is not needed
  }

  /** Writes to the inspector with backpressure; once it has failed, bytes only pass through. */
  private feed(chunk: Buffer, cb: () => void): void {
    const inspector = this.inspector;
    if (!inspector || this.failure || inspector.destroyed) return cb();
    if (inspector.write(chunk)) return cb();
    const settle = (): void => {
      inspector.off('drain', settle);
      inspector.off('error', settle);
      cb();
    };
    inspector.on('drain', settle);
    inspector.on('error', settle);
  }

  private finish(cb: TransformCallback): void {
    const inspector = this.inspector;
    if (!inspector || this.failure) return cb();
    // Destroyed by its own failure: the error event is queued, let it land first.
    if (inspector.destroyed) return process.nextTick(() => cb());
    inspector.once('error', () => cb());
    inspector.once('finish', () => cb());
    inspector.end();
  }
}
