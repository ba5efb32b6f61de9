/**
 * BuildKit's parser conformance data: every testfiles/<case> must dump to its
 * `result`, every testfiles-negative/<case> must fail, and testfile-line must
 * give BuildKit's line numbers (TestParseCases, TestParseErrorCases,
 * TestParseIncludesLineNumbers).
 */
import { describe, expect, it } from 'vitest';
import { isDrydockError } from '../../src/errors.js';
import { dumpNode, parseDockerfile } from '../../src/dockerfile/index.js';
import { parserCases, parserFile } from './conformance-data.js';

const positive = parserCases('testfiles');
const negative = parserCases('testfiles-negative');

describe('BuildKit parser conformance data', () => {
  it('is all there (33 positive, 4 negative cases)', () => {
    expect(positive.length).toBeGreaterThanOrEqual(33);
    expect(negative.length).toBeGreaterThanOrEqual(4);
  });
});

describe.each(positive)('testfiles/%s', (name) => {
  it('parses and dumps exactly as BuildKit', () => {
    const dockerfile = parserFile('testfiles', name, 'Dockerfile');
    const want = parserFile('testfiles', name, 'result').toString('utf8').replace(/\r\n/g, '\n');
    expect(dumpNode(parseDockerfile(dockerfile).ast) + '\n').toBe(want);
  });
});

describe.each(negative)('testfiles-negative/%s', (name) => {
  it('fails to parse', () => {
    const dockerfile = parserFile('testfiles-negative', name, 'Dockerfile');
    let error: unknown;
    try {
      parseDockerfile(dockerfile);
    } catch (err) {
      error = err;
    }
    expect(isDrydockError(error, 'invalid-argument')).toBe(true);
    expect((error as Error).message).toMatch(/^Dockerfile(:\d+)?: /);
  });
});

describe('testfile-line', () => {
  it('gives the line numbers BuildKit gives', () => {
    const { ast } = parseDockerfile(parserFile('testfile-line', 'Dockerfile'));
    expect([ast.startLine, ast.endLine]).toEqual([5, 31]);
    expect(ast.children.map((c) => [c.startLine, c.endLine])).toEqual([
      [5, 5],
      [11, 12],
      [17, 31],
    ]);
  });
});
