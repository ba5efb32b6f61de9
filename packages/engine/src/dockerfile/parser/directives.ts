/**
 * Parser directives: `# syntax=`, `# escape=`, `# check=` comments that are
 * honoured only before anything else. The first line that is not a directive
 * (a blank line, a plain comment, an instruction, an unknown key) ends
 * directive processing for good; a repeated key is an error.
 */
import { goTrimLeftSpace } from '../text/unicode.js';
import { UnlocatedParseError } from './errors.js';
import type { Directive } from './node.js';

// Go's \s is [\t\n\f\r ] and its "." excludes only "\n".
const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const KNOWN = new Set(['syntax', 'escape', 'check']);

/** Recognises directives line by line (BuildKit's `DirectiveParser`). */
export class DirectiveParser {
  private line = 0;
  private done = false;
  private readonly seen = new Set<string>();

  /** `prefix` is the comment marker: `#` for Dockerfiles. */
  constructor(private readonly prefix = '#') {}

  /**
   * Feeds the next line (already stripped of its line ending). Returns the
   * directive it holds, or undefined; throws on a repeated directive.
   */
  parseLine(text: string): Directive | undefined {
    this.line++;
    if (this.done) return undefined;
    if (!text.startsWith(this.prefix)) {
      this.done = true;
      return undefined;
    }
    const m = DIRECTIVE.exec(goTrimLeftSpace(text.slice(this.prefix.length)));
    const key = m?.[1]?.toLowerCase();
    if (!m || key === undefined || !KNOWN.has(key)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(key)) throw new UnlocatedParseError(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    return { name: key as Directive['name'], value: m[2]!, line: this.line };
  }
}

/** The escape token and the line-continuation pattern it implies. */
export interface EscapeState {
  token: '\\' | '`';
  /** Matches an escape token ending a line (plus trailing blanks). */
  continuation: RegExp;
}

/** The default state: backslash. */
export function defaultEscape(): EscapeState {
  return escapeState('\\');
}

/** Validates an `escape` directive value; throws unless it is `` ` `` or `\`. */
export function escapeState(value: string): EscapeState {
  if (value !== '`' && value !== '\\') {
    throw new UnlocatedParseError(`invalid escape token '${value}' does not match \` or \\`);
  }
  const e = value === '\\' ? '\\\\' : '`';
  // Either "<char other than E>E<blanks>" or a line holding only "E<blanks>".
  return { token: value, continuation: new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`) };
}

/**
 * Removes a trailing continuation escape. Returns the remaining text and
 * whether the logical line ends here (false: the next line continues it).
 * An escaped escape token (`\\`) at the end is not a continuation.
 */
export function trimContinuation(line: string, escape: EscapeState): [string, boolean] {
  if (!escape.continuation.test(line)) return [line, true];
  return [line.replace(escape.continuation, '$1'), false];
}
