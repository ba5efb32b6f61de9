/**
 * Word accumulation for `ProcessWords`, mirroring BuildKit's `wordsStruct`.
 *
 * Quirk kept on purpose: BuildKit keeps one word buffer per lexer run, and
 * every nested `${name<op>word}` expansion clears it when it starts. So in
 * `ProcessWords("hello${x:-abc} def")` the pending "hello" is lost and the
 * result is `["abc", "def"]`. Heredoc detection in the parser depends on the
 * same behaviour, so it is reproduced rather than fixed.
 */
import { isGoSpace } from '../text/unicode.js';
import { runeString } from './scanner.js';

/** The buffer shared by all nesting levels of one lexer run. */
export interface SharedWordBuffer {
  buf: string;
}

/** Collects the words of one nesting level of a lexer run. */
export class WordCollector {
  private readonly words: string[] = [];
  private inWord = false;

  /** Starts a collector on `shared`, clearing it (as every BuildKit level does). */
  constructor(private readonly shared: SharedWordBuffer) {
    shared.buf = '';
  }

  /** Adds a character that splits words when it is whitespace (unquoted text). */
  addChar(cp: number): void {
    if (isGoSpace(cp)) {
      if (this.inWord && this.shared.buf.length > 0) {
        this.words.push(this.shared.buf);
        this.shared.buf = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(cp);
    }
  }

  /** Adds a character that never splits (escaped). */
  addRawChar(cp: number): void {
    this.shared.buf += runeString(cp);
    this.inWord = true;
  }

  /** Adds expansion output, which is split on whitespace. */
  addString(s: string): void {
    for (const ch of s) this.addChar(ch.codePointAt(0)!);
  }

  /** Adds quoted output, which is never split and always starts a word. */
  addRawString(s: string): void {
    this.shared.buf += s;
    this.inWord = true;
  }

  /** Flushes the pending word and returns all words (empty words are dropped). */
  getWords(): string[] {
    if (this.shared.buf.length > 0) {
      this.words.push(this.shared.buf);
      this.shared.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}
