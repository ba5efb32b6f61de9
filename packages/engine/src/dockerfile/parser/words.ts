/**
 * BuildKit's `parseWords`: splits ENV/LABEL/ARG arguments on whitespace
 * outside quotes, keeping quotes and escapes in the words verbatim (they are
 * removed later, during expansion).
 */
import { isGoSpace } from '../text/unicode.js';

/**
 * Splits `rest` into words. `'` and `"` start quoted runs kept with their
 * quotes; the escape token and the character after it are both kept, except
 * inside `'...'` where the escape token is literal. An escape token at the
 * very end is dropped.
 */
export function parseWords(rest: string, escapeToken: string): string[] {
  // Go decodes each invalid byte as U+FFFD and writes that back.
  const cps = [...rest].map((c) => (c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '\ufffd' : c));
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let buf = '';
  for (let pos = 0; pos <= cps.length; pos++) {
    const atEnd = pos === cps.length;
    let ch = atEnd ? '' : cps[pos]!;
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isGoSpace(ch.codePointAt(0)!)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || buf.length > 0) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch.codePointAt(0)!)) {
        phase = 'spaces';
        if (blankOK || buf.length > 0) words.push(buf);
        buf = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escapeToken) {
        if (pos + 1 === cps.length) continue; // drop an escape token at the very end
        // Unquoted: keep the escape token and the next character, even a quote.
        buf += ch;
        ch = cps[++pos]!;
      }
      buf += ch;
      continue;
    }
    // phase === 'quote'
    if (ch === quote) phase = 'word';
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === cps.length) {
        phase = 'word';
        continue; // drop an escape token at the very end
      }
      buf += ch;
      ch = cps[++pos]!;
    }
    buf += ch;
  }
  return words;
}
