/**
 * .dockerignore support with the semantics of moby/patternmatcher (and its
 * `ignorefile` reader) as BuildKit and fsutil use them.
 *
 * - {@link readDockerignore} turns the file into patterns: `#` lines are
 *   comments, blanks are trimmed, paths cleaned, one leading `/` dropped,
 *   `!` marks an exception.
 * - {@link createIgnoreMatcher} evaluates patterns in order: the last
 *   pattern that matches a path (or any of its parent directories) decides,
 *   so `!` exceptions re-include what earlier patterns excluded.
 */
import { DrydockError } from '../errors.js';
import { decodeGoBytes, encodeGoBytes } from './text/go-bytes.js';
import { goTrimSpace } from './text/unicode.js';
import { isValidGlob } from './ignore/glob-syntax.js';
import { goPathClean, goPathDir } from './ignore/go-path.js';
import { CompiledPattern, type MatchKind } from './ignore/pattern.js';

/** One pattern as the matcher holds it. */
export interface IgnorePattern {
  /** Cleaned pattern text without the `!`. */
  readonly pattern: string;
  /** True for a `!` exception (re-includes matching paths). */
  readonly exclusion: boolean;
  /** How it is matched. */
  readonly kind: MatchKind;
}

/** A compiled pattern list. Paths are slash-separated and relative to the context root. */
export interface IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** True when any pattern is a `!` exception. */
  readonly hasExclusions: boolean;
  /**
   * Whether `relPath` is excluded from the context: patternmatcher's
   * `MatchesOrParentMatches` (a pattern matching a parent directory matches
   * everything below it). `relPath` is used as given (clean it first);
   * "." and "" are never excluded. Throws `DrydockError('invalid-argument')`
   * if evaluation reaches a pattern whose regexp does not compile.
   */
  matches(relPath: string): boolean;
  /**
   * Whether a walker may skip directory `relDir` without looking inside: it
   * is excluded and no exception could re-include anything under it. This is
   * fsutil's rule: it holds when there are no exceptions at all, or when every
   * exception is a plain path (ignoring a trailing `/*` or `/**`) and none lies
   * under `relDir`. With any wildcard exception it returns false. Only
   * `*[]?^` count as wildcards there (not `\`, `{`, `|`), exactly as in
   * fsutil, so BuildKit skips the same directories. Throws like `matches`.
   */
  canSkipDir(relDir: string): boolean;
}

const MAX_LINE_BYTES = 65535;
// fsutil treats an exception containing any of these as a wildcard (Unix).
const WILDCARD_CHARS = /[*[\]?^]/;

/**
 * Reads a .dockerignore file (moby `ignorefile.ReadAll`). A UTF-8 BOM is
 * dropped; lines starting with `#` (in column 0) are comments; each other
 * line is trimmed and skipped if empty; a leading `!` is kept in front of
 * the cleaned path; `/a` becomes `a`. A lone `!` is returned as is (the
 * matcher then rejects it). Throws on a line over 65535 bytes.
 */
export function readDockerignore(content: string | Uint8Array): string[] {
  const text = typeof content === 'string' ? content : decodeGoBytes(content);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  lines.forEach((raw, index) => {
    if (encodeGoBytes(raw).length > MAX_LINE_BYTES) {
      throw new DrydockError('invalid-argument', `.dockerignore:${index + 1}: line too long`);
    }
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith('\ufeff')) line = line.slice(1);
    if (line.startsWith('#')) return;
    let pattern = goTrimSpace(line);
    if (pattern === '') return;
    const invert = pattern.startsWith('!');
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = goPathClean(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? '!' + pattern : pattern);
  });
  return out;
}

/**
 * Compiles patterns (patternmatcher `New`): each is trimmed (empty ones
 * dropped) and cleaned; a leading `!` makes an exception. Throws
 * `DrydockError('invalid-argument')` for a lone `!` or a pattern that Go's
 * `filepath.Match` rejects (e.g. `[`, `a\`).
 */
export function createIgnoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled: CompiledPattern[] = [];
  for (const raw of patterns) {
    let p = goTrimSpace(raw);
    if (p === '') continue;
    p = goPathClean(p);
    const exclusion = p.startsWith('!');
    if (exclusion) {
      if (p.length === 1) throw new DrydockError('invalid-argument', 'illegal exclusion pattern: "!"');
      p = p.slice(1);
    }
    if (!isValidGlob(p)) {
      throw new DrydockError('invalid-argument', `invalid .dockerignore pattern "${raw}": syntax error in pattern`);
    }
    compiled.push(new CompiledPattern(p, exclusion));
  }
  return new Matcher(compiled);
}

class Matcher implements IgnoreMatcher {
  readonly hasExclusions: boolean;
  private readonly onlyPrefixExceptions: boolean;

  constructor(readonly patterns: readonly CompiledPattern[]) {
    this.hasExclusions = patterns.some((p) => p.exclusion);
    this.onlyPrefixExceptions = patterns.every((p) => !p.exclusion || !WILDCARD_CHARS.test(withoutTrailingGlob(p)));
  }

  matches(relPath: string): boolean {
    if (relPath === '.' || relPath === '') return false;
    const parent = goPathDir(relPath);
    const parentDirs = parent.split('/');
    let matched = false;
    for (const pattern of this.patterns) {
      // An inclusion cannot change a match, nor an exception a non-match.
      if (pattern.exclusion !== matched) continue;
      let match = evaluate(pattern, relPath);
      if (!match && parent !== '.') {
        for (let i = 0; i < parentDirs.length && !match; i++) {
          match = tryMatch(pattern, parentDirs.slice(0, i + 1).join('/'));
        }
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  canSkipDir(relDir: string): boolean {
    if (!this.matches(relDir)) return false;
    if (!this.hasExclusions) return true;
    if (!this.onlyPrefixExceptions) return false;
    const dirSlash = relDir + '/';
    return !this.patterns.some((p) => p.exclusion && (withoutTrailingGlob(p) + '/').startsWith(dirSlash));
  }
}

function evaluate(pattern: CompiledPattern, path: string): boolean {
  try {
    return pattern.match(path);
  } catch (err) {
    throw new DrydockError('invalid-argument', `invalid .dockerignore pattern "${pattern.pattern}": ${(err as Error).message}`);
  }
}

// Parent directories are checked with errors ignored, as patternmatcher does.
function tryMatch(pattern: CompiledPattern, path: string): boolean {
  try {
    return pattern.match(path);
  } catch {
    return false;
  }
}

function withoutTrailingGlob(p: CompiledPattern): string {
  let s = p.pattern;
  if (s.endsWith('/**')) s = s.slice(0, -3);
  if (s.endsWith('/*')) s = s.slice(0, -2);
  return s;
}
