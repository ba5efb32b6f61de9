/**
 * The entry of the CLI's V8 startup snapshot (see build.mjs and bin/drydock).
 *
 * `node --build-snapshot` runs this file once at build time: the command tree's
 * modules and the engine are evaluated then, and their heap is saved to
 * dist/drydock.blob. `node --snapshot-blob dist/drydock.blob ARGS…` starts from that
 * heap, so a command skips loading, compiling and evaluating ~2 MB of modules.
 * Modules must not capture per-process state (clocks, pids, env) at load time.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';
import { Engine } from '@drydock/engine';
import './views/render.js';
import './views/image-rows.js';
import './views/container-rows.js';
import { main, prepareProgram } from './program.js';
import { exitOnClosedStdout } from './stdout.js';

declare global {
  // Set when the snapshot starts (see build.mjs's define and better-sqlite3 shim).
  var __drydockEntryUrl: string;
  var __drydockRequire: NodeRequire;
}

// Evaluated now, while the snapshot is built (node runs pending promises before saving it).
void Engine.preloadModules();
prepareProgram();

startupSnapshot.setDeserializeMainFunction(() => {
  // The blob sits next to the ESM entry (dist/drydock.mjs), which the shim and `up` re-run.
  const blob = process.execArgv[process.execArgv.indexOf('--snapshot-blob') + 1]!;
  const entry = resolve(dirname(blob), 'drydock.mjs'); // absolute even when the blob was named relative to the cwd
  globalThis.__drydockEntryUrl = pathToFileURL(entry).href;
  globalThis.__drydockRequire = createRequire(entry);
  process.argv.splice(1, 0, entry);
  exitOnClosedStdout();
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
});
