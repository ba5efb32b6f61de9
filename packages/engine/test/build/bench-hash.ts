/**
 * Hashing and copying a 10,000-file context, for comparison with
 * `docker build` of `FROM scratch` + `COPY . /` on the same directory.
 *
 *   npx vite-node packages/engine/test/build/bench-hash.ts [dir]
 *
 * Creates `dir` (default /tmp/drydock-bench-ctx) with 100 directories of
 * 100 small files and a Dockerfile unless it exists, then prints timings.
 * Not part of the test suite.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextFromDirectory } from '../../src/build/context/context.js';
import { clearHashCache, hashSources } from '../../src/build/context/hash.js';
import { copyInto } from '../../src/build/copy/copy.js';

const dir = process.argv[2] ?? '/tmp/drydock-bench-ctx';
if (!existsSync(dir)) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
  for (let d = 0; d < 100; d++) {
    mkdirSync(join(dir, `d${d}`));
    for (let f = 0; f < 100; f++) writeFileSync(join(dir, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`.repeat(1 + ((d * 100 + f) % 64)));
  }
}

const time = <T>(label: string, fn: () => T): T => {
  const t = performance.now();
  const r = fn();
  console.log(`${label}: ${(performance.now() - t).toFixed(0)} ms`);
  return r;
};

const ctx = time('open context', () => contextFromDirectory(dir));
for (let i = 0; i < 3; i++) {
  clearHashCache();
  const h = time(`hash, digest cache empty (run ${i + 1})`, () => hashSources(ctx, ['.']));
  if (i === 0) console.log(`  ${h.entries} entries, ${h.bytes} bytes, ${h.digest}`);
}
time('hash, digest cache warm', () => hashSources(ctx, ['.']));
const root = mkdtempSync(join(tmpdir(), 'drydock-bench-root-'));
const t = performance.now();
await copyInto(root, { from: ctx, sources: ['.'], dest: '/' });
console.log(`COPY . / into an empty rootfs: ${(performance.now() - t).toFixed(0)} ms`);
rmSync(root, { recursive: true, force: true });
