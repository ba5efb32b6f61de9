/**
 * Go `strconv.Quote`, used by BuildKit's `Node.Dump()` (through `%q`) to print
 * every argument and flag. It differs from `JSON.stringify`: printable
 * non-ASCII stays raw, control characters use Go escapes (`\a`, `\x00`,
 * `\u200b`...), and `/` is never escaped.
 */

// Go strconv.IsPrint: Unicode categories L, M, N, P, S plus the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x0b, '\\v'],
]);

/**
 * Quotes `s` exactly as Go's `strconv.Quote` does. Byte escapes (see
 * go-bytes.ts) print as `\xNN`, like the invalid bytes they stand for.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') {
      out += '\\' + ch;
    } else if (cp < 0x80 ? cp >= 0x20 && cp < 0x7f : PRINTABLE.test(ch)) {
      out += ch;
    } else {
      const short = SHORT_ESCAPES.get(cp);
      if (short !== undefined) out += short;
      else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
      else if (cp >= 0xdc80 && cp <= 0xdcff) out += '\\x' + hex(cp - 0xdc00, 2); // an invalid input byte
      else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
      else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
      else out += '\\U' + hex(cp, 8);
    }
  }
  return out + '"';
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
