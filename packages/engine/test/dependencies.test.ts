import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf, importsOf, sourceFiles } from '../../../tooling/test/source-files.js';

/** Dependency direction, enforced (ggcr's depcheck_test): the engine is a library under everything else. */
const src = resolve(import.meta.dirname, '../src');



const files = sourceFiles(src);

describe('engine dependency rules', () => {
  it.each(files.map((f) => [relative(src, f), f]))('%s imports no app, hub or database code', (_name, file) => {
    for (const spec of importsOf(file)) expect(spec).not.toMatch(/^@drydock\/(cli|web|agent|api|db)|apps\//);
  });

  it.each(files.filter((f) => f.includes('/dockerfile/')).map((f) => [relative(src, f), f]))('%s (the Dockerfile front end) imports only itself, errors and node built-ins', (_name, file) => {
    for (const spec of importsOf(file)) {
      const target = spec.startsWith('.') ? resolve(file, '..', spec) : spec;
      const ok = spec.startsWith('node:') || target.startsWith(join(src, 'dockerfile')) || target === join(src, 'errors.js');
      expect(ok, `${spec}`).toBe(true);
    }
  });

  it('reads no environment variables (configuration is passed in)', () => {
    const code = codeOf;
    for (const file of files) expect(code(file), relative(src, file)).not.toMatch(/(?<![.\w])process\.env/);
  });
});
