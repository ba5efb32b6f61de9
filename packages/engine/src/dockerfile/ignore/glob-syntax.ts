/**
 * Go's `filepath.Match` (Unix rules), which patternmatcher calls as
 * `filepath.Match(pattern, ".")` to reject malformed patterns up front.
 * Go only checks the parts of the pattern it gets to while matching, so the
 * check must be this very algorithm, not a grammar: `/**\d[` passes (matching
 * stops at the first chunk) while `[` fails. Works on UTF-8 bytes like Go.
 */
import { DrydockError } from '../../errors.js';
import { encodeGoBytes } from '../text/go-bytes.js';

/** Go's `filepath.ErrBadPattern`, as `DrydockError('invalid-argument')`. */
export class BadPatternError extends DrydockError {
  constructor() {
    super('invalid-argument', 'syntax error in pattern');
  }
}

/** True when `filepath.Match(pattern, ".")` returns no error. */
export function isValidGlob(pattern: string): boolean {
  try {
    goFilepathMatch(pattern, '.');
    return true;
  } catch (err) {
    if (err instanceof BadPatternError) return false;
    throw err;
  }
}

/**
 * Go `filepath.Match(pattern, name)`: `*` matches any run of non-`/`
 * bytes, `?` one non-`/` character, `[...]` a class (`^` negates, `a-z`
 * ranges), `\` escapes. Throws {@link BadPatternError} where Go returns
 * `ErrBadPattern`.
 */
export function goFilepathMatch(pattern: string, name: string): boolean {
  let pat = encodeGoBytes(pattern);
  let s = encodeGoBytes(name);
  patterns: while (pat.length > 0) {
    const { star, chunk, rest } = scanChunk(pat);
    pat = rest;
    if (star && chunk.length === 0) return !s.includes(0x2f); // trailing * matches the rest unless it has a /
    const m = matchChunk(chunk, s);
    if (m !== undefined && (m.length === 0 || pat.length > 0)) {
      s = m;
      continue;
    }
    if (star) {
      for (let i = 0; i < s.length && s[i] !== 0x2f; i++) {
        const t = matchChunk(chunk, s.subarray(i + 1));
        if (t !== undefined) {
          if (pat.length === 0 && t.length > 0) continue; // the last chunk must use up the name
          s = t;
          continue patterns;
        }
      }
    }
    return false;
  }
  return s.length === 0;
}

function scanChunk(p: Uint8Array): { star: boolean; chunk: Uint8Array; rest: Uint8Array } {
  let star = false;
  while (p.length > 0 && p[0] === 0x2a) {
    p = p.subarray(1);
    star = true;
  }
  let inRange = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === 0x5c) {
      if (i + 1 < p.length) i++;
    } else if (c === 0x5b) inRange = true;
    else if (c === 0x5d) inRange = false;
    else if (c === 0x2a && !inRange) return { star, chunk: p.subarray(0, i), rest: p.subarray(i) };
  }
  return { star, chunk: p, rest: p.subarray(p.length) };
}

/** Matches `chunk` at the start of `s`; returns the rest of `s`, or undefined. Throws on bad syntax. */
function matchChunk(chunk: Uint8Array, s: Uint8Array): Uint8Array | undefined {
  let failed = false;
  while (chunk.length > 0) {
    failed ||= s.length === 0;
    const c = chunk[0]!;
    if (c === 0x5b) {
      let r = 0;
      if (!failed) {
        const [cp, n] = decodeRune(s);
        r = cp;
        s = s.subarray(n);
      }
      chunk = chunk.subarray(1);
      let negated = false;
      if (chunk.length > 0 && chunk[0] === 0x5e) {
        negated = true;
        chunk = chunk.subarray(1);
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === 0x5d && nrange > 0) {
          chunk = chunk.subarray(1);
          break;
        }
        let lo: number;
        let hi: number;
        [lo, chunk] = getEsc(chunk);
        hi = lo;
        if (chunk[0] === 0x2d) [hi, chunk] = getEsc(chunk.subarray(1));
        match ||= lo <= r && r <= hi;
        nrange++;
      }
      failed ||= match === negated;
    } else if (c === 0x3f) {
      if (!failed) {
        failed = s[0] === 0x2f;
        s = s.subarray(decodeRune(s)[1]);
      }
      chunk = chunk.subarray(1);
    } else {
      if (c === 0x5c) {
        chunk = chunk.subarray(1);
        if (chunk.length === 0) throw new BadPatternError();
      }
      if (!failed) {
        failed = chunk[0] !== s[0];
        s = s.subarray(1);
      }
      chunk = chunk.subarray(1);
    }
  }
  return failed ? undefined : s;
}

function getEsc(chunk: Uint8Array): [number, Uint8Array] {
  if (chunk.length === 0 || chunk[0] === 0x2d || chunk[0] === 0x5d) throw new BadPatternError();
  if (chunk[0] === 0x5c) {
    chunk = chunk.subarray(1);
    if (chunk.length === 0) throw new BadPatternError();
  }
  const [r, n, valid] = decodeRune(chunk);
  if (!valid && n === 1) throw new BadPatternError(); // invalid UTF-8
  const rest = chunk.subarray(n);
  if (rest.length === 0) throw new BadPatternError();
  return [r, rest];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Go `utf8.DecodeRune`: [code point, width, valid]; an invalid byte gives [U+FFFD, 1, false]. */
function decodeRune(b: Uint8Array): [number, number, boolean] {
  const c0 = b[0];
  if (c0 === undefined) return [0xfffd, 0, false];
  if (c0 < 0x80) return [c0, 1, true];
  const n = c0 >= 0xf0 ? 4 : c0 >= 0xe0 ? 3 : c0 >= 0xc2 ? 2 : 0;
  if (n === 0 || b.length < n) return [0xfffd, 1, false];
  try {
    return [strictUtf8.decode(b.subarray(0, n)).codePointAt(0)!, n, true];
  } catch {
    return [0xfffd, 1, false];
  }
}
