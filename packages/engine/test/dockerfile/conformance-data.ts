/**
 * Locates and reads the BuildKit conformance data (shared/conformance/buildkit,
 * a sibling of the repository checkout). Importing this module throws when the
 * folder is missing, so the suites that use it fail instead of skipping.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is packages/engine/test/dockerfile/). */
export const repoRoot = path.resolve(here, '../../../..');
/** shared/ lives beside the repository, as in CI. */
export const conformanceRoot = path.resolve(repoRoot, '../shared/conformance/buildkit');
export const dockerfileRoot = path.join(conformanceRoot, 'frontend/dockerfile');

if (!existsSync(path.join(dockerfileRoot, 'parser')) || !existsSync(path.join(dockerfileRoot, 'shell'))) {
  throw new Error(
    `BuildKit conformance data not found at ${conformanceRoot}; ` +
      'it must be checked out as ../shared next to the repository',
  );
}

/** Subdirectory names of `dir` under the parser data, sorted. */
export function parserCases(dir: 'testfiles' | 'testfiles-negative'): string[] {
  return readdirSync(path.join(dockerfileRoot, 'parser', dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Raw bytes of a file under the parser data. */
export function parserFile(...parts: string[]): Buffer {
  return readFileSync(path.join(dockerfileRoot, 'parser', ...parts));
}

/** One `envVarTest` vector. */
export interface EnvVarVector {
  line: number;
  platform: 'A' | 'U' | 'W';
  source: string;
  expected: string;
}

/** Reads `shell/envVarTest` as BuildKit's TestShellParser4EnvVars does. */
export function envVarVectors(): EnvVarVector[] {
  const text = readFileSync(path.join(dockerfileRoot, 'shell/envVarTest'), 'utf8');
  const out: EnvVarVector[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('#') || line.trim() === '') return;
    const parts = line.trim().split('|');
    if (parts.length !== 3) throw new Error(`envVarTest:${i + 1}: expected 3 fields, got ${parts.length}`);
    const [platform, source, expected] = parts.map((p) => p.trim()) as [string, string, string];
    if (platform !== 'A' && platform !== 'U' && platform !== 'W') throw new Error(`envVarTest:${i + 1}: bad platform ${platform}`);
    out.push({ line: i + 1, platform, source, expected });
  });
  return out;
}

/** One `wordsTest` vector with the ENV definitions above it. */
export interface WordsVector {
  line: number;
  source: string;
  expected: string[];
  env: string[];
}

/** Reads `shell/wordsTest` as BuildKit's TestShellParser4Words does. */
export function wordsVectors(): WordsVector[] {
  const text = readFileSync(path.join(dockerfileRoot, 'shell/wordsTest'), 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const env: string[] = [];
  const out: WordsVector[] = [];
  lines.forEach((line, i) => {
    if (line.startsWith('#')) return;
    if (line.startsWith('ENV ')) {
      env.push(line.slice(3).replace(/^ +/, ''));
      return;
    }
    const parts = line.split('|');
    if (parts.length !== 2) throw new Error(`wordsTest:${i + 1}: expected exactly one |`);
    out.push({ line: i + 1, source: parts[0]!.trim(), expected: parts[1]!.replace(/^ +/, '').split(','), env: [...env] });
  });
  return out;
}
