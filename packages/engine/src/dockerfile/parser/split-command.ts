/**
 * Splits one logical line into instruction word, flags and argument text
 * (BuildKit's `splitCommand` and `extractBuilderFlags`).
 */
import { decodeGoBytes, encodeGoBytes } from '../text/go-bytes.js';
import { goTrimSpace, isGoSpace } from '../text/unicode.js';

/** The parts of an instruction line. */
export interface SplitCommand {
  /** The instruction word as written. */
  cmd: string;
  /** `--name=value` flags, quotes and escapes removed. */
  flags: string[];
  /** The rest of the line, trimmed. */
  args: string;
}

/** BuildKit's argument separator: runs of `\t \v \f \r` and space. */
export const WHITESPACE_RUN = /[\t\v\f\r ]+/;

/** Go `regexp.Split(s, 2)` with {@link WHITESPACE_RUN}. */
export function splitOnceOnWhitespace(s: string): string[] {
  if (s === '') return [''];
  const m = WHITESPACE_RUN.exec(s);
  if (!m) return [s];
  return [s.slice(0, m.index), s.slice(m.index + m[0].length)];
}

/** Splits `line` into instruction, flags and arguments. */
export function splitCommand(line: string, escapeToken: string): SplitCommand {
  const parts = splitOnceOnWhitespace(goTrimSpace(line));
  const cmd = parts[0] ?? '';
  if (parts.length < 2) return { cmd, flags: [], args: '' };
  const { rest, flags } = extractBuilderFlags(parts[1]!, escapeToken);
  return { cmd, flags, args: goTrimSpace(rest) };
}

/**
 * Takes leading `--flag` words off `line`. A bare `--` ends the flags and is
 * dropped. Works on UTF-8 bytes exactly like the Go code, which treats each
 * byte as a Latin-1 character: non-ASCII text in a flag comes out as
 * mojibake (`--x=ñ` gives `--x=Ã±`), and bytes 0x85/0xA0 count as spaces.
 */
export function extractBuilderFlags(line: string, escapeToken: string): { rest: string; flags: string[] } {
  const b = encodeGoBytes(line);
  const esc = escapeToken.charCodeAt(0);
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = 0;
  let blankOK = false;
  const restFrom = (pos: number) => ({ rest: decodeGoBytes(b.subarray(pos)), flags: words });
  for (let pos = 0; pos <= b.length; pos++) {
    const atEnd = pos === b.length;
    let ch = atEnd ? -1 : b[pos]!;
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      // Only keep going if the next word starts with "--".
      if (ch !== 0x2d || pos + 1 === b.length || b[pos + 1] !== 0x2d) return restFrom(pos);
      phase = 'word';
    }
    if (atEnd) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (word === '--') return restFrom(pos);
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === 0x27 || ch === 0x22) {
        quote = ch;
        blankOK = true;
        phase = 'quote';
        continue;
      }
      if (ch === esc) {
        if (pos + 1 === b.length) continue; // skip an escape token at the end
        ch = b[++pos]!;
      }
      word += String.fromCharCode(ch);
      continue;
    }
    // phase === 'quote'
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === esc) {
      if (pos + 1 === b.length) {
        phase = 'word';
        continue; // skip an escape token at the end
      }
      ch = b[++pos]!;
    }
    word += String.fromCharCode(ch);
  }
  return { rest: '', flags: words };
}
