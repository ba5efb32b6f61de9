// Bundles the whole drydock CLI (which has `drydock agent`) into ONE file,
// dist/drydock.mjs, for hosts that have only Node 20+: issue 7's SSH
// enrollment uploads it and runs `node drydock.mjs agent …`. better-sqlite3's
// native addon is embedded and written next to the bundle (or to the temp
// dir) on first use, because a native module cannot be loaded from memory.
// The file keeps the CLI's name: detached containers re-run it as their shim.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const addon = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');

// Replaces the `bindings` package (how better-sqlite3 finds its addon) with a loader of the embedded copy.
const embeddedAddon = {
  name: 'embedded-better-sqlite3',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'embedded-addon' }));
    b.onLoad({ filter: /.*/, namespace: 'embedded-addon' }, () => ({
      loader: 'js',
      resolveDir: new URL('.', import.meta.url).pathname,
      contents: `
        const bytes = (m => m.default ?? m)(require(${JSON.stringify(addon)}));
        const { createHash } = require('node:crypto');
        const { existsSync, mkdirSync, renameSync, writeFileSync } = require('node:fs');
        const { tmpdir } = require('node:os');
        const { dirname, join } = require('node:path');
        const { fileURLToPath } = require('node:url');
        module.exports = function bindings(name) {
          if (name !== 'better_sqlite3.node') throw new Error('no embedded native module ' + name);
          if (process.versions.modules !== ${JSON.stringify(process.versions.modules)} || process.arch !== ${JSON.stringify(process.arch)}) {
            throw new Error('this drydock.mjs embeds better-sqlite3 built for Node ' + ${JSON.stringify(process.version.split('.')[0])} + ' on ' + ${JSON.stringify(process.arch)} + '; this is Node ' + process.version + ' on ' + process.arch);
          }
          const file = 'better_sqlite3-' + process.arch + '-' + createHash('sha256').update(bytes).digest('hex').slice(0, 16) + '.node';
          let last;
          for (const dir of [join(dirname(fileURLToPath(__drydockBundleUrl)), '.drydock-native'), join(tmpdir(), 'drydock-native')]) {
            try {
              const path = join(dir, file);
              if (!existsSync(path)) {
                mkdirSync(dir, { recursive: true, mode: 0o755 });
                const tmp = path + '.' + process.pid;
                writeFileSync(tmp, bytes, { mode: 0o755 });
                renameSync(tmp, path);
              }
              return require(path);
            } catch (e) {
              last = e;
            }
          }
          throw last;
        };`,
    }));
  },
};

const outfile = new URL('./dist/drydock.mjs', import.meta.url).pathname;
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: [new URL('../cli/src/main.ts', import.meta.url).pathname],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  loader: { '.node': 'binary' },
  plugins: [embeddedAddon],
  define: { DRYDOCK_VERSION: JSON.stringify(pkg.version) },
  // Smaller and faster to parse; identifiers keep their names so DRYDOCK_DEBUG stacks stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url); const __drydockBundleUrl = import.meta.url;",
  },
  logLevel: 'warning',
});
console.log(outfile);
