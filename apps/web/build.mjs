// Builds the hub: the dashboard with `next build`, and the custom server
// (server/index.ts with the workspace packages) into dist/server.mjs with
// esbuild; npm dependencies stay external.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';

const here = new URL('.', import.meta.url).pathname;
await build({
  entryPoints: { server: `${here}server/index.ts` },
  outdir: `${here}dist`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Workspace packages are TypeScript: bundle them; npm packages stay external.
  plugins: [{
    name: 'npm-external',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@drydock/') ? undefined : { path: args.path, external: true }));
    },
  }],
  logLevel: 'warning',
});
if (!process.argv.includes('--server-only')) {
  execFileSync(process.execPath, [new URL('../../node_modules/next/dist/bin/next', import.meta.url).pathname, 'build'], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}
