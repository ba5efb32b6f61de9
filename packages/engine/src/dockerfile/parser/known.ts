/**
 * The check BuildKit's instruction layer makes after parsing: every
 * instruction must be one it knows (ONBUILD triggers are only checked when
 * an image built from them is used, so they are not checked here). Failures read
 * `Dockerfile:7: unknown instruction: FOO`, with BuildKit's
 * "(did you mean FROM?)" hint when a known name is within edit distance 2.
 */
import { goToLower } from '../text/unicode.js';
import { DockerfileParseError } from './errors.js';
import { KNOWN_INSTRUCTIONS } from './instruction.js';
import type { Node } from './node.js';

/** Throws {@link DockerfileParseError} at the first unknown instruction under `root`. */
export function assertKnownInstructions(root: Node, fileName = 'Dockerfile'): void {
  for (const child of root.children) {
    if (KNOWN_INSTRUCTIONS.has(goToLower(child.value))) continue;
    const hint = suggestInstruction(child.value);
    const detail = `unknown instruction: ${child.value}${hint ? ` (did you mean ${hint}?)` : ''}`;
    throw new DockerfileParseError(fileName, detail, child.startLine, child.endLine);
  }
}

/**
 * The closest known instruction to `word` (case-insensitive, distance < 3),
 * in `word`'s case style, or undefined (BuildKit's `suggest.Search`).
 */
export function suggestInstruction(word: string): string | undefined {
  const val = goToLower(word);
  let match: string | undefined;
  let best = 3;
  for (const opt of [...KNOWN_INSTRUCTIONS].sort()) {
    if (val === opt) return undefined;
    const d = levenshtein(val, opt);
    if (d < best) {
      best = d;
      match = opt;
    }
  }
  if (match === undefined) return undefined;
  if (word === goToLower(word)) return match;
  if (word === word.toUpperCase()) return match.toUpperCase();
  return match;
}

function levenshtein(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[y.length]!;
}
