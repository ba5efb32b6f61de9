import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Dependency direction, enforced (ggcr's depcheck_test): the engine is a library under everything else. */
const src = resolve(import.meta.dirname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

const files = sources(src);

describe('engine dependency rules', () => {
  it.each(files.map((f) => [relative(src, f), f]))('%s imports no app, hub or database code', (_name, file) => {
    for (const spec of imports(file)) expect(spec).not.toMatch(/^@drydock\/(cli|web|agent|api|db)|apps\//);
  });

  it.each(files.filter((f) => f.includes('/dockerfile/')).map((f) => [relative(src, f), f]))('%s (the Dockerfile front end) imports only itself, errors and node built-ins', (_name, file) => {
    for (const spec of imports(file)) {
      const target = spec.startsWith('.') ? resolve(file, '..', spec) : spec;
      const ok = spec.startsWith('node:') || target.startsWith(join(src, 'dockerfile')) || target === join(src, 'errors.js');
      expect(ok, `${spec}`).toBe(true);
    }
  });

  it('reads no environment variables (configuration is passed in)', () => {
    const code = (f: string) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const file of files) expect(code(file), relative(src, file)).not.toMatch(/(?<![.\w])process\.env/);
  });
});
