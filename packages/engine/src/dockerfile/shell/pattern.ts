/**
 * The shell-pattern parts of BuildKit's lexer: `${v#p}`, `${v##p}`, `${v%p}`,
 * `${v%%p}`, `${v/p/r}` and `${v//p/r}`. Patterns support `*` and `?` and
 * backslash escapes of `*`, `?` and `\` (no bracket expressions), and are
 * matched the way Go's `regexp` package would match the translated pattern.
 */
import { isGoDigit, isGoLetter } from '../text/unicode.js';

/** Thrown (as a plain Error, wrapped by the lexer) when a pattern is malformed. */
export class PatternError extends Error {}

// Characters the Go code escapes before compiling; all are also special in JS.
const REGEX_SPECIAL = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$']);
// Go's "." does not match "\n"; JavaScript's also skips "\r", U+2028, U+2029.
const ANY = '[^\\n]';

/**
 * Translates a shell pattern into a regular expression (`*` is shortest-match
 * unless `greedy`; `anchored` pins it to the start). A backslash before `}` or
 * `/` is dropped (those are escaped only to get through `${...}`); before
 * anything but `*`, `?` or `\` it is an error.
 */
export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const cps = [...pattern];
  let out = anchored ? '^' : '';
  const star = greedy ? `${ANY}*` : `${ANY}*?`;
  for (let i = 0; i < cps.length; i++) {
    const tok = cps[i]!;
    if (tok === '*') {
      out += star;
    } else if (tok === '?') {
      out += ANY;
    } else if (tok === '\\') {
      const next = cps[i + 1];
      if (next === '}' || next === '/') continue;
      i++;
      if (next !== '*' && next !== '?' && next !== '\\') {
        throw new PatternError(`invalid escape '\\${next ?? '\ufffd'}'`);
      }
      out += '\\' + next;
    } else if (REGEX_SPECIAL.has(tok)) {
      out += '\\' + tok;
    } else {
      out += tok;
    }
  }
  return new RegExp(out, 'u');
}

/** `${value#pattern}` (or `##` when greedy): removes the matching prefix. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegExp(pattern, greedy, true).exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

/**
 * `${value%pattern}` (or `%%` when greedy): removes the matching suffix, by
 * reversing both strings and trimming a prefix, as BuildKit does.
 */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  const reversed = trimPrefix(reversePattern(pattern), reverseString(value), greedy);
  return reverseString(reversed);
}

/** Reverses code points, keeping each `\x` escape pair in order (`a\*c` → `c\*a`). */
export function reversePattern(pattern: string): string {
  const cps = [...pattern];
  const out: string[] = new Array<string>(cps.length);
  const last = cps.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = cps[i]!;
    const outIdx = last - i;
    if (tok === '\\' && i !== last) {
      out[outIdx - 1] = tok;
      out[outIdx] = cps[i + 1]!;
      i += 2;
    } else {
      out[outIdx] = tok;
      i++;
    }
  }
  return out.join('');
}

/** Reverses a string by code points. */
export function reverseString(s: string): string {
  return [...s].reverse().join('');
}

/** `${value/pattern/replacement}`: replaces the leftmost match, literally. */
export function replaceFirst(value: string, pattern: string, replacement: string): string {
  const m = shellPatternToRegExp(pattern, true, false).exec(value);
  if (!m) return value;
  return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
}

/**
 * `${value//pattern/replacement}` with Go `Regexp.ReplaceAllString`
 * semantics: no empty match right after a previous match, and `$name`,
 * `${name}` and `$$` in the replacement are expanded as a Go template (the
 * pattern has no groups, so any group reference expands to "").
 */
export function replaceAll(value: string, pattern: string, replacement: string): string {
  const re = shellPatternToRegExp(pattern, true, false);
  const sticky = new RegExp(re.source, 'gu');
  const repl = expandGoTemplate(replacement);
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= value.length) {
    sticky.lastIndex = searchPos;
    const m = sticky.exec(value);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += value.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += repl;
    lastMatchEnd = end;
    const width = searchPos < value.length ? (value.codePointAt(searchPos)! > 0xffff ? 2 : 1) : 0;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + value.slice(lastMatchEnd);
}

/** Go `Regexp.Expand` for a regexp without capture groups. */
function expandGoTemplate(template: string): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const braced = template[i] === '{';
    const start = braced ? i + 1 : i;
    let j = start;
    while (j < template.length) {
      const cp = template.codePointAt(j)!;
      if (!isGoLetter(cp) && !isGoDigit(cp) && cp !== 0x5f) break;
      j += cp > 0xffff ? 2 : 1;
    }
    if (j === start || (braced && template[j] !== '}')) {
      out += '$'; // malformed: the "$" is kept as text
      continue;
    }
    i = braced ? j + 1 : j; // a group reference: expands to nothing
  }
  return out + template.slice(i);
}
