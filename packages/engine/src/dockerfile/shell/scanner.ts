/**
 * A code-point reader with the `Peek`/`Next` behaviour of Go's `text/scanner`
 * as BuildKit's shell lexer uses it: `EOF` (-1) at the end, and a byte-order
 * mark at the very start of the input is skipped.
 */

/** Returned by {@link RuneScanner.peek} and {@link RuneScanner.next} at the end. */
export const EOF = -1;

/** Reads one string code point by code point. */
export class RuneScanner {
  private pos = 0;

  constructor(private readonly src: string) {
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  /** The next code point without consuming it, or {@link EOF}. */
  peek(): number {
    return this.pos < this.src.length ? this.src.codePointAt(this.pos)! : EOF;
  }

  /** Consumes and returns the next code point, or returns {@link EOF}. */
  next(): number {
    const cp = this.peek();
    if (cp !== EOF) this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

/**
 * Go `string(rune)`: the code point as a string, with EOF and other invalid
 * values becoming U+FFFD.
 */
export function runeString(cp: number): string {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(cp);
}
