/**
 * A standalone shim entry: `node shim-entry.js [__shim] <containerDir>`.
 * A bundled CLI normally dispatches `__shim` to runShim itself instead (see
 * shim.ts); this file is for callers that ship the shim as its own script.
 */
import { runShim } from './shim.js';

runShim(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`drydock shim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
