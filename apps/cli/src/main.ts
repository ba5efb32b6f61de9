import { VERSION } from './version.js';
import { exitOnClosedStdout } from './stdout.js';

/**
 * The entry point stays tiny: `--version` answers without loading the command
 * tree, and everything else is loaded on demand.
 */
const argv = process.argv;
exitOnClosedStdout();
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-v')) {
  process.stdout.write(`Drydock version ${VERSION}\n`);
} else if (argv[2] === '__shim' && argv[3]) {
  // A detached container's supervisor (spawned by `run -d`/`start`): see shim.ts.
  const { runShimAndRelease } = await import('./shim-main.js');
  process.exitCode = await runShimAndRelease(argv[3]);
} else {
  const { main } = await import('./program.js');
  process.exitCode = await main(argv);
}
