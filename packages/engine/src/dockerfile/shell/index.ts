/**
 * BuildKit-compatible shell-word expansion for Dockerfile arguments
 * (`frontend/dockerfile/shell`). Use {@link ShellLexer} (or the one-shot
 * helpers) with an environment built by {@link envFromList} or
 * {@link envFromRecord}.
 */
import type { ShellEnv } from './env.js';
import { type LexerOptions, ShellLexer } from './lex.js';

export { type EnvGetter, type EnvOptions, type ShellEnv, envFromList, envFromRecord } from './env.js';
export { type LexerOptions, type ProcessWordResult, ShellLexer } from './lex.js';

/** One-shot `ProcessWord`: expands `word` into a single string. */
export function processWord(word: string, env: ShellEnv, options?: LexerOptions): string {
  return new ShellLexer(options).processWord(word, env);
}

/** One-shot `ProcessWords`: expands `word` and splits it into words. */
export function processWords(word: string, env: ShellEnv, options?: LexerOptions): string[] {
  return new ShellLexer(options).processWords(word, env);
}
