/**
 * BuildKit's shell lexer vectors: envVarTest (ProcessWord) and wordsTest
 * (ProcessWords). envVarTest's platform column: A vectors run in both modes,
 * U vectors with Unix environment semantics, W vectors with Windows semantics
 * (case-insensitive names, BuildKit's only platform difference in the lexer),
 * so no vector is set aside.
 */
import { describe, expect, it } from 'vitest';
import { envFromList, envFromRecord, processWord, processWords } from '../../src/dockerfile/index.js';
import { envVarVectors, wordsVectors } from './conformance-data.js';

const ENV = { PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '' };
const vectors = envVarVectors();
const words = wordsVectors();

describe('BuildKit shell conformance data', () => {
  it('is all there (230 envVarTest, 24 wordsTest vectors)', () => {
    expect(vectors.length).toBe(230);
    expect(words.length).toBe(24);
  });
});

describe.each([
  { mode: 'unix', platforms: ['A', 'U'], caseInsensitive: false },
  { mode: 'windows', platforms: ['A', 'W'], caseInsensitive: true },
])('envVarTest ($mode environment)', ({ platforms, caseInsensitive }) => {
  const env = envFromRecord(ENV, { caseInsensitive });
  const cases = vectors.filter((v) => platforms.includes(v.platform));
  it.each(cases)('line $line: $source', ({ source, expected }) => {
    if (expected === 'error') {
      expect(() => processWord(source, env)).toThrow(/^failed to process /);
    } else {
      expect(processWord(source, env)).toBe(expected);
    }
  });
});

describe('wordsTest', () => {
  it.each(words)('line $line: $source', ({ source, expected, env }) => {
    let got: string[];
    try {
      got = processWords(source, envFromList(env));
    } catch {
      got = ['error'];
    }
    expect(got).toEqual(expected);
  });
});
