/**
 * BuildKit's Dockerfile shell-word lexer (`frontend/dockerfile/shell`):
 * variable expansion, quote removal and word splitting for instruction
 * arguments. It mimics a POSIX shell only as far as BuildKit does:
 *
 * - `$name`, `${name}`; positional/special parameters (`$1`, `$@`, `$#`...)
 *   are looked up like names and so are normally empty.
 * - `${name:-w}`/`${name-w}` default, `${name:+w}`/`${name+w}` alternative,
 *   `${name:?msg}`/`${name?msg}` error; with `:` an empty value counts as
 *   unset. `${name#p}`, `##`, `%`, `%%`, `/p/r`, `//p/r` pattern operations.
 * - Outside quotes the escape token escapes the next character (a trailing
 *   lone one is dropped); inside `'...'` nothing is special; inside `"..."`
 *   it escapes only `"`, `$` and itself.
 *
 * Every failure throws `DrydockError('invalid-argument')` whose message reads
 * `failed to process "<word>": <reason>`, as BuildKit's does.
 */
import { DrydockError } from '../../errors.js';
import { goQuote } from '../text/go-quote.js';
import { isGoDigit, isGoLetter } from '../text/unicode.js';
import { type EnvGetter, type ShellEnv, toEnvGetter } from './env.js';
import { PatternError, replaceAll, replaceFirst, trimPrefix, trimSuffix } from './pattern.js';
import { EOF, RuneScanner, runeString } from './scanner.js';
import { type SharedWordBuffer, WordCollector } from './words.js';

/** Lexer switches; all default to false, the escape token to `\`. */
export interface LexerOptions {
  /** `\` (default) or `` ` ``, as set by the `# escape=` directive. */
  escapeToken?: '\\' | '`';
  /** Keep quote characters in the output (quoted text is still literal). */
  rawQuotes?: boolean;
  /** Keep escape tokens in the output (the escaped character stays literal). */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written (`$x`, `${x:-y}`...). */
  skipUnsetEnv?: boolean;
  /** Treat quote characters as ordinary characters. */
  skipProcessQuotes?: boolean;
}

/** What {@link ShellLexer.processWordWithMatches} reports. */
export interface ProcessWordResult {
  /** The expanded word (ProcessWord output). */
  result: string;
  /** The word split after expansion (ProcessWords output). */
  words: string[];
  /** Names that were looked up and set. */
  matched: Set<string>;
  /** Names that were looked up and unset. */
  unmatched: Set<string>;
}

class LexError extends Error {}

/** A configured lexer. Instances hold no per-call state and may be reused. */
export class ShellLexer {
  readonly escapeToken: '\\' | '`';
  readonly rawQuotes: boolean;
  readonly rawEscapes: boolean;
  readonly skipUnsetEnv: boolean;
  readonly skipProcessQuotes: boolean;

  constructor(options: LexerOptions = {}) {
    this.escapeToken = options.escapeToken ?? '\\';
    this.rawQuotes = options.rawQuotes ?? false;
    this.rawEscapes = options.rawEscapes ?? false;
    this.skipUnsetEnv = options.skipUnsetEnv ?? false;
    this.skipProcessQuotes = options.skipProcessQuotes ?? false;
  }

  /** BuildKit `ProcessWord`: expands `word` into one string (no splitting). */
  processWord(word: string, env: ShellEnv): string {
    return this.processWordWithMatches(word, env).result;
  }

  /** BuildKit `ProcessWordWithMatches`: the expansion plus the names looked up. */
  processWordWithMatches(word: string, env: ShellEnv): ProcessWordResult {
    return this.run(word, env, true);
  }

  /**
   * BuildKit `ProcessWords`: expands, then splits on whitespace. Text from
   * quotes or escapes never splits; text from an unquoted `$var` does. Empty
   * words are dropped.
   */
  processWords(word: string, env: ShellEnv): string[] {
    return this.run(word, env, false).words;
  }

  private run(word: string, env: ShellEnv, capture: boolean): ProcessWordResult {
    const sw = new ShellWord(this, word, toEnvGetter(env), capture);
    try {
      const [result, words] = sw.processStopOn(EOF, this.rawEscapes);
      return { result, words, matched: sw.matched, unmatched: sw.unmatched };
    } catch (err) {
      if (!(err instanceof LexError)) throw err;
      throw new DrydockError('invalid-argument', `failed to process ${goQuote(word)}: ${err.message}`);
    }
  }
}

/** One run of the lexer over one word (BuildKit's `shellWord`). */
class ShellWord {
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly sc: RuneScanner;
  private readonly escape: number;
  private rawEscapes: boolean;
  private readonly shared: SharedWordBuffer = { buf: '' };

  constructor(
    private readonly lex: ShellLexer,
    word: string,
    private readonly env: EnvGetter,
    private readonly capture: boolean,
  ) {
    this.sc = new RuneScanner(word);
    this.escape = lex.escapeToken.codePointAt(0)!;
    this.rawEscapes = lex.rawEscapes;
  }

  /** Processes until `stopChar` (consumed) or the end; returns [text, words]. */
  processStopOn(stopChar: number, rawEscapes: boolean): [string, string[]] {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.stopOn(stopChar);
    } finally {
      this.rawEscapes = saved;
    }
  }

  private stopOn(stopChar: number): [string, string[]] {
    let result = '';
    const words = new WordCollector(this.shared);
    const sc = this.sc;
    while (sc.peek() !== EOF) {
      let ch = sc.peek();
      if (stopChar !== EOF && ch === stopChar) {
        sc.next();
        return [result, words.getWords()];
      }
      const special = this.specialFor(ch);
      if (special) {
        const tmp = special();
        result += tmp;
        if (ch === 0x24) words.addString(tmp);
        else words.addRawString(tmp);
        continue;
      }
      ch = sc.next();
      if (ch === this.escape) {
        if (this.rawEscapes) {
          words.addRawChar(ch);
          result += runeString(ch);
        }
        ch = sc.next();
        if (ch === EOF) break;
        words.addRawChar(ch);
      } else {
        words.addChar(ch);
      }
      result += runeString(ch);
    }
    if (stopChar !== EOF) {
      throw new LexError(`unexpected end of statement while looking for matching ${runeString(stopChar)}`);
    }
    return [result, words.getWords()];
  }

  private specialFor(ch: number): (() => string) | undefined {
    switch (ch) {
      case 0x24: // $
        return () => this.processDollar();
      case 0x3c: // <
        return () => this.processPossibleHeredoc();
      case 0x27: // '
        return this.lex.skipProcessQuotes ? undefined : () => this.processSingleQuote();
      case 0x22: // "
        return this.lex.skipProcessQuotes ? undefined : () => this.processDoubleQuote();
      default:
        return undefined;
    }
  }

  private processSingleQuote(): string {
    const raw = this.lex.rawQuotes;
    const open = this.sc.next();
    let result = raw ? runeString(open) : '';
    for (;;) {
      const ch = this.sc.next();
      if (ch === EOF) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === 0x27) return raw ? result + "'" : result;
      result += runeString(ch);
    }
  }

  private processDoubleQuote(): string {
    const raw = this.lex.rawQuotes;
    const open = this.sc.next();
    let result = raw ? runeString(open) : '';
    for (;;) {
      const peek = this.sc.peek();
      if (peek === EOF) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (peek === 0x22) {
        this.sc.next();
        return raw ? result + '"' : result;
      }
      if (peek === 0x24) {
        result += this.processDollar();
        continue;
      }
      let ch = this.sc.next();
      if (ch === this.escape) {
        if (this.rawEscapes) result += runeString(ch);
        const after = this.sc.peek();
        if (after === EOF) continue; // the loop then reports the missing quote
        if (after === 0x22 || after === 0x24 || after === this.escape) ch = this.sc.next();
      }
      result += runeString(ch);
    }
  }

  private processDollar(): string {
    const sc = this.sc;
    sc.next();
    if (sc.peek() !== 0x7b) {
      // $name
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.lex.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    sc.next();
    const first = sc.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if (first === 0x7b || first === 0x7d || first === 0x3a) throw new LexError('syntax error: bad substitution');
    const name = this.processName();
    let ch = sc.next();
    let chs = runeString(ch);
    if (ch === 0x7d) {
      // ${name}
      const value = this.getEnv(name);
      if (value === undefined && this.lex.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === 0x2f) return this.processReplace(name);
    let nullIsUnset = false;
    if (ch === 0x3a) {
      nullIsUnset = true;
      ch = sc.next();
      chs += runeString(ch);
    } else if (ch !== 0x2b && ch !== 0x2d && ch !== 0x3f && ch !== 0x23 && ch !== 0x25) {
      throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
    const isTrim = ch === 0x23 || ch === 0x25;
    if (nullIsUnset && isTrim) throw new LexError(`unsupported modifier (${chs}) in substitution`);
    let word = this.untilClose('}', isTrim, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (value === undefined && this.lex.skipUnsetEnv) return `\${${name}${chs}${word}}`;
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case 0x2d: // -
        return unset ? word : value!;
      case 0x2b: // +
        return unset ? '' : word;
      case 0x3f: // ?
        if (value === undefined) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw new LexError(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      case 0x23: // #
      case 0x25: {
        // %
        const greedy = word.length > 0 && word.codePointAt(0) === ch;
        if (greedy) word = word.slice(1);
        return this.withPattern(word, () =>
          ch === 0x25 ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy),
        );
      }
      default:
        throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  /** `${name/pattern/replacement}` and `${name//pattern/replacement}`. */
  private processReplace(name: string): string {
    const all = this.sc.peek() === 0x2f;
    if (all) this.sc.next();
    const pattern = this.untilClose('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.untilClose('}', true, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (value === undefined && this.lex.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    const v = value ?? '';
    return this.withPattern(pattern, () =>
      all ? replaceAll(v, pattern, replacement) : replaceFirst(v, pattern, replacement),
    );
  }

  /** Runs processStopOn, turning "ran out of input" into `missingMessage`. */
  private untilClose(stop: string, rawEscapes: boolean, missingMessage: string): string {
    try {
      return this.processStopOn(stop.codePointAt(0)!, rawEscapes)[0];
    } catch (err) {
      if (err instanceof LexError && this.sc.peek() === EOF) throw new LexError(missingMessage);
      throw err;
    }
  }

  private withPattern(pattern: string, fn: () => string): string {
    try {
      return fn();
    } catch (err) {
      if (err instanceof PatternError || err instanceof SyntaxError) {
        throw new LexError(`invalid pattern (${pattern}) in substitution: ${err.message}`);
      }
      throw err;
    }
  }

  /** Reads a name: a run of digits, one special parameter, or letters/digits/_. */
  private processName(): string {
    const sc = this.sc;
    let name = '';
    while (sc.peek() !== EOF) {
      const ch = sc.peek();
      if (name === '' && isGoDigit(ch)) {
        while (sc.peek() !== EOF && isGoDigit(sc.peek())) name += runeString(sc.next());
        return name;
      }
      if (name === '' && isSpecialParam(ch)) return runeString(sc.next());
      if (!isGoLetter(ch) && !isGoDigit(ch) && ch !== 0x5f) break;
      name += runeString(sc.next());
    }
    return name;
  }

  /** `<<` plus any blanks after it is kept together so heredoc words survive. */
  private processPossibleHeredoc(): string {
    const sc = this.sc;
    sc.next();
    if (sc.peek() !== 0x3c) return '<';
    sc.next();
    let space = '';
    for (let ch = sc.peek(); ch === 0x09 || ch === 0x0d || ch === 0x20; ch = sc.peek()) {
      space += runeString(sc.next());
    }
    return '<<' + space;
  }

  private getEnv(name: string): string | undefined {
    const value = this.env.get(name);
    if (this.capture) (value === undefined ? this.unmatched : this.matched).add(name);
    return value;
  }
}

function isSpecialParam(ch: number): boolean {
  // @ * # ? - $ ! 0
  return ch === 0x40 || ch === 0x2a || ch === 0x23 || ch === 0x3f || ch === 0x2d || ch === 0x24 || ch === 0x21 || ch === 0x30;
}
