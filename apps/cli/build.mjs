// Bundles the CLI into dist/ with esbuild, in two forms:
// - dist/drydock.mjs: one ESM entry with lazily loaded chunks (keeps `--version` fast),
//   native and data-bearing packages left external. The agent, shims and tests run this.
// - dist/drydock.blob: a V8 startup snapshot of the whole command tree and engine
//   (src/snapshot.ts). bin/drydock starts from it when it matches this Node binary, which
//   saves loading and evaluating the modules on every command (a cached rebuild is mostly that).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const dist = new URL('./dist/', import.meta.url).pathname;
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  define: { DRYDOCK_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};
rmSync(dist, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { drydock: new URL('./src/main.ts', import.meta.url).pathname },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  format: 'esm',
  sourcemap: 'linked',
  external: ['better-sqlite3'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

// A snapshot may only require built-in modules while it is built: better-sqlite3's
// JavaScript is bundled, and its native addon is loaded on first use by absolute path
// (resolving the package at run time cost more than opening the database).
const sqliteDir = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
const nativeAtRuntime = {
  name: 'native-at-runtime',
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, (a) => ({ path: a.path, namespace: 'native-at-runtime' }));
    b.onLoad({ filter: /.*/, namespace: 'native-at-runtime' }, () => ({
      loader: 'js',
      resolveDir: sqliteDir,
      contents: `
        const Real = require(${JSON.stringify(join(sqliteDir, 'lib', 'index.js'))});
        const addonPath = ${JSON.stringify(join(sqliteDir, 'build', 'Release', 'better_sqlite3.node'))};
        let addon;
        module.exports = function Database(file, opts) {
          addon ??= globalThis.__drydockRequire(addonPath);
          return new Real(file, { nativeBinding: addon, ...opts });
        };`,
    }));
  },
};
const snapshotBundle = await build({
  ...common,
  metafile: true,
  entryPoints: [new URL('./src/snapshot.ts', import.meta.url).pathname],
  outfile: `${dist}snapshot.cjs`,
  format: 'cjs',
  define: { ...common.define, 'import.meta.url': 'globalThis.__drydockEntryUrl' },
  plugins: [nativeAtRuntime],
  // Less source text for the snapshot to carry; names are kept for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
});
// Node 20 has no import() inside a snapshot: a module loaded that way fails at run time.
const dynamic = Object.entries(snapshotBundle.metafile.inputs).flatMap(([file, input]) =>
  input.imports.filter((i) => i.kind === 'dynamic-import' && i.external).map((i) => `${file} imports ${i.path}`),
);
if (dynamic.length > 0) throw new Error(`the CLI's snapshot cannot use import() of external modules (import them statically):\n${dynamic.join('\n')}`);
const snap = spawnSync(process.execPath, ['--snapshot-blob', `${dist}drydock.blob`, '--build-snapshot', `${dist}snapshot.cjs`], {
  cwd: dist,
  encoding: 'utf8',
});
if (snap.status === 0) {
  // bin/drydock uses the blob only with the Node binary that made it (size and mtime).
  const node = statSync(process.execPath);
  writeFileSync(`${dist}drydock.blob.node`, `${node.size} ${Math.floor(node.mtimeMs / 1000)}\n`);
} else {
  process.stderr.write(`drydock: no startup snapshot (the CLI still works, slower to start): ${snap.stderr.trim().split('\n').pop()}\n`);
}
