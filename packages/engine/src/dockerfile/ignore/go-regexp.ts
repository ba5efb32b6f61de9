/**
 * Compiles a Go RE2 regular expression (the dialect of Go's `regexp`
 * package with its default Perl flags) into an equivalent JavaScript RegExp.
 * patternmatcher turns .dockerignore globs into Go regexps; user text can
 * reach them through `[...]` classes and `\` escapes, so Go's reading of those
 * is reproduced: `.` excludes only "\n", `\s` is `[\t\n\f\r ]`, `\d`/`\w` are
 * ASCII, POSIX `[:alpha:]` classes, `\pL`/`\p{Greek}`, `\Q...\E`, octal and
 * `\x{...}` escapes. Uses the `v` flag (code-point matching, nested classes).
 */

/** Go rejected the expression (message in Go's words where it matters). */
export class GoRegexpError extends Error {}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\u{0}-\\u{7f}',
  blank: '\\t ',
  cntrl: '\\u{0}-\\u{1f}\\u{7f}',
  digit: '0-9',
  graph: '\\u{21}-\\u{7e}',
  lower: 'a-z',
  print: '\\u{20}-\\u{7e}',
  punct: '\\u{21}-\\u{2f}\\u{3a}-\\u{40}\\u{5b}-\\u{60}\\u{7b}-\\u{7e}',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};
const PERL: Record<string, string> = { d: '0-9', s: '\\t\\n\\f\\r ', w: '0-9A-Za-z_' };

/** Compiles Go regexp `src`; throws GoRegexpError where Go's compiler fails. */
export function compileGoRegexp(src: string): RegExp {
  const out = new Translator([...src]).translate();
  try {
    return new RegExp(out, 'v');
  } catch (err) {
    throw new GoRegexpError(`error parsing regexp: ${(err as Error).message}`);
  }
}

/** One code point as a JavaScript regexp atom that is literal in any context. */
function lit(cp: number): string {
  const isWord = (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return isWord ? String.fromCodePoint(cp) : `\\u{${cp.toString(16)}}`;
}

const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);

class Translator {
  private i = 0;
  constructor(private readonly s: string[]) {}

  translate(): string {
    let out = '';
    const s = this.s;
    // What the last item was: repetition needs an operand and may not stack.
    let last: 'none' | 'atom' | 'repeat' = 'none';
    const repeat = (op: string): void => {
      if (last === 'none') throw new GoRegexpError(`missing argument to repetition operator: \`${op}\``);
      if (last === 'repeat') throw new GoRegexpError(`invalid nested repetition operator: \`${op}\``);
      out += op;
      if (s[this.i] === '?') {
        out += '?';
        this.i++;
      }
      last = 'repeat';
    };
    while (this.i < s.length) {
      const c = s[this.i]!;
      this.i++;
      switch (c) {
        case '^':
        case '$':
          out += `(?:${c})`; // Go lets an assertion be repeated; JavaScript only a group
          last = 'atom';
          break;
        case '|':
          out += '|';
          last = 'none';
          break;
        case '(':
          if (s[this.i] === '?') {
            if (s[this.i + 1] !== ':') throw new GoRegexpError('unsupported group syntax');
            this.i += 2;
          }
          out += '(?:';
          last = 'none';
          break;
        case ')':
          out += ')';
          last = 'atom';
          break;
        case '*':
        case '+':
        case '?':
          repeat(c);
          break;
        case '{': {
          const rep = this.parseRepeat();
          if (rep === undefined) {
            out += lit(0x7b); // not a repeat: a literal "{"
            last = 'atom';
          } else repeat(rep);
          break;
        }
        case '.':
          out += '[^\\n]';
          last = 'atom';
          break;
        case '[':
          out += this.cls();
          last = 'atom';
          break;
        case '\\':
          out += this.escapeOutside();
          last = 'atom';
          break;
        default:
          out += lit(c.codePointAt(0)!);
          last = 'atom';
      }
    }
    return out;
  }

  /** Go `parseRepeat` just past "{": `{n}`, `{n,}`, `{n,m}` (no leading zeros), or undefined. */
  private parseRepeat(): string | undefined {
    const rest = this.s.slice(this.i).join('');
    const m = /^(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}/.exec(rest);
    if (!m) return undefined;
    const big = (d: string): number => (d.length > 8 ? -1 : Number(d));
    const min = big(m[1]!);
    const max = m[2] === undefined ? min : m[3] === undefined ? -1 : big(m[3]);
    if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max) || (m[3] !== undefined && max < 0)) {
      throw new GoRegexpError(`invalid repeat count: \`{${m[0]}\``);
    }
    this.i += m[0].length;
    return `{${m[0]}`;
  }

  private escapeOutside(): string {
    const c = this.s[this.i];
    if (c === undefined) throw new GoRegexpError('trailing backslash at end of expression');
    switch (c) {
      case 'A':
        this.i++;
        return '(?:^)';
      case 'z':
        this.i++;
        return '(?:$)';
      case 'b':
      case 'B':
        this.i++;
        return `(?:\\${c})`;
      case 'C':
        throw new GoRegexpError('invalid escape sequence: `\\C`');
      case 'Q': {
        this.i++;
        let out = '';
        while (this.i < this.s.length && !(this.s[this.i] === '\\' && this.s[this.i + 1] === 'E')) {
          out += lit(this.s[this.i]!.codePointAt(0)!);
          this.i++;
        }
        if (this.i < this.s.length) this.i += 2;
        return out;
      }
    }
    const group = this.groupEscape();
    if (group !== undefined) return `[${group}]`;
    return lit(this.charEscape());
  }

  /** `\d \s \w \D \S \W \p.. \P..` as class contents, or undefined. */
  private groupEscape(): string | undefined {
    const c = this.s[this.i]!;
    const lower = c.toLowerCase();
    if (PERL[lower] !== undefined) {
      this.i++;
      return c === lower ? PERL[lower] : `[^${PERL[lower]}]`;
    }
    if (c !== 'p' && c !== 'P') return undefined;
    this.i++;
    let name: string;
    if (this.s[this.i] === '{') {
      const end = this.s.indexOf('}', this.i);
      if (end < 0) throw new GoRegexpError('invalid character class range');
      name = this.s.slice(this.i + 1, end).join('');
      this.i = end + 1;
    } else {
      const n = this.s[this.i];
      if (n === undefined) throw new GoRegexpError('invalid character class range');
      name = n;
      this.i++;
    }
    let negate = c === 'P';
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    let body: string;
    if (name === 'Any') body = '\\u{0}-\\u{10ffff}';
    else if (/^[A-Z][a-z]?$/.test(name)) body = `\\p{${name}}`;
    else if (/^[A-Za-z_]+$/.test(name)) body = `\\p{Script=${name}}`;
    else throw new GoRegexpError('invalid character class range');
    return negate ? `[^${body}]` : body;
  }

  /** A single-character escape (after `\`); returns the code point. */
  private charEscape(): number {
    const s = this.s;
    const c = s[this.i++]!;
    if (c >= '1' && c <= '7' && !isOctal(s[this.i])) throw new GoRegexpError(`invalid escape sequence: \`\\${c}\``);
    if (c >= '0' && c <= '7') {
      let r = c.charCodeAt(0) - 48;
      for (let k = 1; k < 3 && isOctal(s[this.i]); k++) r = r * 8 + s[this.i++]!.charCodeAt(0) - 48;
      return r;
    }
    if (c === 'x') {
      if (s[this.i] === '{') {
        let j = this.i + 1;
        let hex = '';
        while (isHex(s[j])) hex += s[j++];
        if (hex === '' || s[j] !== '}' || parseInt(hex, 16) > 0x10ffff) throw new GoRegexpError('invalid escape sequence');
        this.i = j + 1;
        return parseInt(hex, 16);
      }
      if (!isHex(s[this.i]) || !isHex(s[this.i + 1])) throw new GoRegexpError('invalid escape sequence');
      const v = parseInt(s[this.i]! + s[this.i + 1]!, 16);
      this.i += 2;
      return v;
    }
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (simple[c] !== undefined) return simple[c];
    const cp = c.codePointAt(0)!;
    if (cp < 0x80 && !isAlnum(c)) return cp;
    throw new GoRegexpError(`invalid escape sequence: \`\\${c}\``);
  }

  /** A bracket class; `this.i` is just past `[`. */
  private cls(): string {
    const s = this.s;
    let negate = false;
    if (s[this.i] === '^') {
      negate = true;
      this.i++;
    }
    let body = '';
    let first = true;
    while (this.i >= s.length || s[this.i] !== ']' || first) {
      first = false;
      if (this.i >= s.length) throw new GoRegexpError('missing closing ]');
      if (s[this.i] === '[' && s[this.i + 1] === ':') {
        const rest = s.slice(this.i + 2).join('');
        const end = rest.indexOf(':]');
        if (end >= 0) {
          let name = rest.slice(0, end);
          const neg = name.startsWith('^');
          if (neg) name = name.slice(1);
          const set = POSIX[name];
          if (set === undefined) throw new GoRegexpError('invalid character class range');
          body += neg ? `[^${set}]` : set;
          this.i += 2 + [...rest.slice(0, end)].length + 2;
          continue;
        }
      }
      if (s[this.i] === '\\' && this.i + 1 < s.length) {
        this.i++;
        const group = this.groupEscape();
        if (group !== undefined) {
          body += group;
          continue;
        }
        this.i--;
      }
      const lo = this.classChar();
      let hi = lo;
      if (s[this.i] === '-' && this.i + 1 < s.length && s[this.i + 1] !== ']') {
        this.i++;
        hi = this.classChar();
        if (hi < lo) throw new GoRegexpError('invalid character class range');
      }
      body += lo === hi ? lit(lo) : `${lit(lo)}-${lit(hi)}`;
    }
    this.i++; // ]
    return `[${negate ? '^' : ''}${body}]`;
  }

  private classChar(): number {
    const c = this.s[this.i];
    if (c === undefined) throw new GoRegexpError('missing closing ]');
    this.i++;
    if (c === '\\') {
      if (this.i >= this.s.length) throw new GoRegexpError('trailing backslash at end of expression');
      return this.charEscape();
    }
    return c.codePointAt(0)!;
  }
}
