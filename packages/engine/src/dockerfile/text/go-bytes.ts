/**
 * Go strings are byte strings that may hold invalid UTF-8; BuildKit keeps such
 * bytes as they are. To carry them through JavaScript strings losslessly,
 * each byte that is not part of a valid UTF-8 sequence is decoded to the lone
 * surrogate U+DC00+byte (U+DC80..U+DCFF, like Python's "surrogateescape") and
 * encoded back to that byte. Valid UTF-8 never produces these code points.
 */
import { Buffer } from 'node:buffer';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True for a code point that stands for one invalid input byte. */
export function isByteEscape(cp: number): boolean {
  return cp >= 0xdc80 && cp <= 0xdcff;
}

/** Decodes bytes as Go sees them: valid UTF-8 as text, each invalid byte as a byte escape. */
export function decodeGoBytes(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return decodeSlow(bytes);
  }
}

/** Encodes text to bytes, turning byte escapes back into their bytes (other lone surrogates become U+FFFD). */
export function encodeGoBytes(s: string): Uint8Array {
  if (!/[\ud800-\udfff]/.test(s)) return Buffer.from(s, 'utf8');
  const parts: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (isByteEscape(cp)) parts.push(cp - 0xdc00);
    else for (const b of Buffer.from(cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : ch, 'utf8')) parts.push(b);
  }
  return Uint8Array.from(parts);
}

function decodeSlow(b: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const n = validSequenceLength(b, i);
    if (n === 0) {
      out += String.fromCharCode(0xdc00 + b[i]!);
      i++;
    } else {
      out += Buffer.from(b.subarray(i, i + n)).toString('utf8');
      i += n;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence at `i` (Go `utf8.DecodeRune` rules), or 0. */
function validSequenceLength(b: Uint8Array, i: number): number {
  const c0 = b[i]!;
  if (c0 < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c0 >= 0xc2 && c0 <= 0xdf) n = 2;
  else if (c0 >= 0xe0 && c0 <= 0xef) {
    n = 3;
    if (c0 === 0xe0) lo = 0xa0;
    if (c0 === 0xed) hi = 0x9f;
  } else if (c0 >= 0xf0 && c0 <= 0xf4) {
    n = 4;
    if (c0 === 0xf0) lo = 0x90;
    if (c0 === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + n > b.length) return 0;
  const c1 = b[i + 1]!;
  if (c1 < lo || c1 > hi) return 0;
  for (let k = 2; k < n; k++) {
    const c = b[i + k]!;
    if (c < 0x80 || c > 0xbf) return 0;
  }
  return n;
}
