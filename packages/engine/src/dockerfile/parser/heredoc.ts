/**
 * Heredoc recognition (BuildKit's `ParseHeredoc`/`heredocsFromLine`). A word
 * of an ADD/COPY/RUN line (or ONBUILD ADD/COPY/RUN), not in JSON form, that
 * looks like `[n]<<[-]NAME` starts a heredoc; the parser then reads its body.
 */
import { ShellLexer } from '../shell/lex.js';
import { UnlocatedParseError } from './errors.js';
import { goToLower } from '../text/unicode.js';
import type { Heredoc, Node } from './node.js';

// Go's \s is [\t\n\f\r ].
const HEREDOC_WORD = /^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$/;
const NO_ENV = { get: (): undefined => undefined };
const HEREDOC_INSTRUCTIONS = new Set(['add', 'copy', 'run']);
const MAX_UINT64 = 18446744073709551615;

/**
 * Parses one word as a heredoc start. Returns undefined when it is not one
 * (no `<<`, empty or multi-word delimiter); throws when the delimiter's
 * quoting is broken (`<<'EOF`). `expand` is false when any part of the
 * delimiter is quoted. `content` is empty; the parser fills it.
 */
export function parseHeredoc(src: string): Heredoc | undefined {
  const m = HEREDOC_WORD.exec(src);
  if (!m) return undefined;
  const rest = m[3]!;
  if (rest === '') return undefined;
  const words = lexWords(rest, false);
  if (words.length !== 1) return undefined;
  const raw = lexWords(rest, true);
  if (raw.length !== words.length) {
    throw new UnlocatedParseError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  }
  const name = words[0]!;
  const fd = m[1] === '' ? 0 : Math.min(Number(m[1]), MAX_UINT64);
  return { name, fileDescriptor: fd, expand: countQuotes(name) === countQuotes(raw[0]!), chomp: m[2] === '-', content: '' };
}

/**
 * Finds the heredoc starts on an instruction line, in order. The line is
 * split like a shell word list (quotes and escapes kept), so `"<<EOF"` is
 * not a heredoc; a line that fails to lex has none.
 */
export function heredocsFromLine(line: string): Heredoc[] {
  let words: string[];
  try {
    words = new ShellLexer({ rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).processWords(line, NO_ENV);
  } catch {
    words = [];
  }
  const docs: Heredoc[] = [];
  for (const word of words) {
    const doc = parseHeredoc(word);
    if (doc) docs.push(doc);
  }
  return docs;
}

/** Whether `node` may carry heredocs: ADD/COPY/RUN (also under ONBUILD), shell form. */
export function canContainHeredoc(node: Node): boolean {
  let target = node;
  if (goToLower(target.value) === 'onbuild' && target.next && target.next.children.length > 0) {
    target = target.next.children[0]!;
  }
  return HEREDOC_INSTRUCTIONS.has(goToLower(target.value)) && !target.attributes['json'];
}

/** Strips leading tabs from every line, as `<<-` asks (BuildKit's `ChompHeredocContent`). */
export function chompHeredocContent(src: string): string {
  // Go's (?m)^ is start of text or after "\n" only (JavaScript's m flag also uses "\r").
  return src.replace(/(^|\n)\t+/g, '$1');
}

function lexWords(text: string, rawQuotes: boolean): string[] {
  try {
    return new ShellLexer({ rawQuotes, skipUnsetEnv: true }).processWords(text, NO_ENV);
  } catch (err) {
    throw new UnlocatedParseError(err instanceof Error ? err.message : String(err));
  }
}

function countQuotes(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "'" || ch === '"') n++;
  return n;
}
