/**
 * One compiled .dockerignore pattern with moby/patternmatcher semantics
 * (slash separator). `*` matches within one path element, `?` one character
 * other than `/`, `**` any number of elements (also none), `[...]` a class,
 * `\` escapes. Plain patterns compare exactly, `dir/**` by prefix, `**\/x`
 * by suffix; everything else goes through the Go regexp patternmatcher builds.
 */
import { RuneScanner, EOF } from '../shell/scanner.js';
import { compileGoRegexp } from './go-regexp.js';

/** How a pattern is matched (patternmatcher's `matchType`). */
export type MatchKind = 'exact' | 'prefix' | 'suffix' | 'regexp';

// Regexp metacharacters escaped as literals. patternmatcher means to escape
// `.+()|{}$`, but its 8-byte bitmap cannot hold characters >= 64, so `|`, `{`
// and `}` reach the regexp raw (`a|b*` is an alternation, `x{2}` a repeat).
// Reproduced as is.
const ESCAPED = new Set(['.', '+', '(', ')', '$']);

/** A pattern ready to match slash-separated relative paths. */
export class CompiledPattern {
  /** The pattern as matched (cleaned, without its leading `!`). */
  readonly pattern: string;
  readonly exclusion: boolean;
  readonly kind: MatchKind;
  /** The Go regexp source patternmatcher builds (for `regexp` patterns; "" otherwise). */
  readonly goRegexp: string;
  private readonly re: RegExp | undefined;
  /** Set when the regexp does not compile; matching then fails with it. */
  readonly compileError: Error | undefined;

  constructor(pattern: string, exclusion: boolean) {
    this.pattern = pattern;
    this.exclusion = exclusion;
    const { kind, source } = translate(pattern);
    this.kind = kind;
    this.goRegexp = kind === 'regexp' ? source : '';
    if (kind === 'regexp') {
      try {
        this.re = compileGoRegexp(source);
      } catch (err) {
        this.compileError = err as Error;
      }
    }
  }

  /** Whether `path` matches; throws the compile error for a malformed regexp. */
  match(path: string): boolean {
    switch (this.kind) {
      case 'exact':
        return path === this.pattern;
      case 'prefix':
        return path.startsWith(this.pattern.slice(0, -2));
      case 'suffix': {
        const suffix = this.pattern.slice(2);
        if (path.endsWith(suffix)) return true;
        // "**/foo" also matches "foo" itself.
        return suffix.startsWith('/') && path === suffix.slice(1);
      }
      case 'regexp':
        if (this.re === undefined) throw this.compileError ?? new Error('bad pattern');
        return this.re.test(path);
    }
  }
}

/** patternmatcher's `compile`: decides the match kind and builds the Go regexp. */
function translate(pattern: string): { kind: MatchKind; source: string } {
  const sc = new RuneScanner(pattern);
  let re = '^';
  let kind: MatchKind = 'exact';
  for (let i = 0; sc.peek() !== EOF; i++) {
    const cp = sc.next();
    const ch = String.fromCodePoint(cp);
    if (ch === '*') {
      if (sc.peek() === 0x2a) {
        sc.next();
        if (sc.peek() === 0x2f) sc.next(); // "**/" is treated as "**"
        if (sc.peek() === EOF) {
          // "**" at the end matches everything below, as in .gitignore.
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '.*';
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (ESCAPED.has(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      if (sc.peek() !== EOF) {
        re += '\\' + String.fromCodePoint(sc.next());
        kind = 'regexp';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else {
      re += ch;
    }
  }
  if (kind === 'regexp') re += '$';
  return { kind, source: re };
}
