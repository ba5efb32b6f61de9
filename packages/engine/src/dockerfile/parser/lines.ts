/**
 * Physical lines of a Dockerfile, as BuildKit's scanner yields them: split
 * after each "\n" (the ending is kept), the last line may lack one, and a line
 * longer than 65535 bytes stops the scan (the parser reports it at the end).
 * Invalid UTF-8 bytes are kept as byte escapes (see text/go-bytes.ts).
 */
import { decodeGoBytes, encodeGoBytes } from '../text/go-bytes.js';

/** bufio.MaxScanTokenSize - 1: the longest line BuildKit accepts. */
export const MAX_LINE_BYTES = 65535;

/** Hands out the physical lines of one input, in order. */
export class LineReader {
  private pos = 0;
  /** Set when reading stopped at a line over {@link MAX_LINE_BYTES}. */
  tooLong = false;
  private readonly bytes: Uint8Array;

  constructor(input: Uint8Array | string) {
    this.bytes = typeof input === 'string' ? encodeGoBytes(input) : input;
  }

  /** The next line with its "\n" (if any), or undefined at the end or a too-long line. */
  next(): string | undefined {
    const b = this.bytes;
    if (this.tooLong || this.pos >= b.length) return undefined;
    const nl = b.indexOf(0x0a, this.pos);
    const end = nl < 0 ? b.length : nl + 1;
    const contentLength = (nl < 0 ? b.length : nl) - this.pos;
    if (contentLength > MAX_LINE_BYTES) {
      this.tooLong = true;
      return undefined;
    }
    const line = decodeGoBytes(b.subarray(this.pos, end));
    this.pos = end;
    return line;
  }
}

/** Go `bytes.TrimRight(line, "\r\n")`. */
export function trimNewline(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 0x0a || line.charCodeAt(end - 1) === 0x0d)) end--;
  return line.slice(0, end);
}
