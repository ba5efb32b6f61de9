/**
 * Go's `unicode` and `strings` character predicates, reproduced so that the
 * Dockerfile parser and shell lexer split and trim text exactly as BuildKit
 * (written in Go) does. JavaScript's `\s` and `String.prototype.trim` use a
 * different set (they include U+FEFF and leave out U+0085), so never use them
 * where BuildKit calls `unicode.IsSpace` or `strings.TrimSpace`.
 */

/**
 * Go `unicode.IsSpace`: `\t \n \v \f \r`, space, U+0085, U+00A0, and the
 * Unicode White_Space characters above Latin-1.
 */
export function isGoSpace(cp: number): boolean {
  if (cp <= 0xff) {
    return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0;
  }
  return (
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

const LETTER = /^\p{L}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;

/** Go `unicode.IsLetter` (general category L). */
export function isGoLetter(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return LETTER.test(String.fromCodePoint(cp));
}

/** Go `unicode.IsDigit` (general category Nd). */
export function isGoDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return DECIMAL_DIGIT.test(String.fromCodePoint(cp));
}

/** Go `strings.TrimLeftFunc(s, unicode.IsSpace)`. */
export function goTrimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    if (!isGoSpace(cp)) break;
    i += cp > 0xffff ? 2 : 1;
  }
  return s.slice(i);
}

/** Go `strings.TrimRightFunc(s, unicode.IsSpace)`. */
export function goTrimRightSpace(s: string): string {
  let end = s.length;
  while (end > 0) {
    // Every Go space is in the BMP, so a trailing surrogate is never one.
    const cu = s.charCodeAt(end - 1);
    if (!isGoSpace(cu)) break;
    end--;
  }
  return s.slice(0, end);
}

/** Go `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  return goTrimRightSpace(goTrimLeftSpace(s));
}

/**
 * Go `strings.ToLower`: simple (one-to-one) case mapping per code point, so
 * "İ" becomes "i" and a final "Σ" becomes "σ", unlike `toLowerCase`; a
 * non-ASCII string's invalid bytes become U+FFFD, as with Go's `strings.Map`.
 */
export function goToLower(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    if (ch === '\u0130') {
      out += 'i';
      continue;
    }
    if (ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff) {
      out += '\ufffd'; // Go maps an invalid byte to RuneError
      continue;
    }
    const lower = ch.toLowerCase();
    out += [...lower].length === 1 ? lower : ch;
  }
  return out;
}
