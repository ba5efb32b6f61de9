import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf, importsOf, sourceFiles } from '../../../tooling/test/source-files.js';

/** The registry is a library: node built-ins and bcryptjs only, no environment reads, small files. */
const src = resolve(import.meta.dirname, '../src');



const code = codeOf;
const files = sourceFiles(src);

describe('registry package rules', () => {
  it.each(files.map((f) => [relative(src, f), f]))('%s imports only node built-ins, bcryptjs and its own modules', (_name, file) => {
    for (const spec of importsOf(file)) expect(spec.startsWith('node:') || spec === 'bcryptjs' || /^\.\.?\/.*\.js$/.test(spec), spec).toBe(true);
  });

  it('reads no environment variables (configuration is passed in)', () => {
    for (const file of files) expect(code(file), relative(src, file)).not.toMatch(/(?<![.\w])process\.env/);
  });

  it('keeps files under 400 lines, each opening with a doc comment', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n').length, relative(src, file)).toBeLessThan(400);
      expect(text.trimStart().startsWith('/**'), relative(src, file)).toBe(true);
    }
  });

  it('maps spec error codes in one place (errors.ts)', () => {
    for (const file of files.filter((f) => !f.endsWith('errors.ts'))) {
      expect(code(file), relative(src, file)).not.toMatch(/'(BLOB_UNKNOWN|MANIFEST_UNKNOWN|DIGEST_INVALID|NAME_INVALID|UNAUTHORIZED|DENIED)'/);
    }
  });
});
