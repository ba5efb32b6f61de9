import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf, importsOf, sourceFiles } from '../../../tooling/test/source-files.js';

/** The hosts package is a library the hub calls: node built-ins and ssh2 only, no environment reads. */
const src = resolve(import.meta.dirname, '../src');
const files = sourceFiles(src);

describe('hosts package rules', () => {
  it.each(files.map((f) => [relative(src, f), f]))('%s imports only node built-ins, ssh2 and its own modules', (_name, file) => {
    for (const spec of importsOf(file)) expect(spec.startsWith('node:') || spec === 'ssh2' || /^\.\/.*\.js$/.test(spec), spec).toBe(true);
  });

  it('reads no environment variables and writes no logs (configuration is passed in; nothing secret leaks)', () => {
    for (const file of files) {
      expect(codeOf(file), relative(src, file)).not.toMatch(/(?<![.\w])process\.env/);
      expect(codeOf(file), relative(src, file)).not.toMatch(/console\.|process\.std(out|err)/);
    }
  });

  it('keeps files under 400 lines, each opening with a doc comment', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n').length, relative(src, file)).toBeLessThan(400);
      expect(text.trimStart().startsWith('/**'), relative(src, file)).toBe(true);
    }
  });
});
