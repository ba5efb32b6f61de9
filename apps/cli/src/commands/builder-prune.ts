import type { Command } from 'commander';
import { openEngine, out } from '../runtime.js';

/** `drydock builder prune [-a] [-f]`: forgets the layer cache; images built stay. */
export function defineBuilderPrune(cmd: Command): Command {
  return cmd
    .description('Remove build cache')
    .option('-a, --all', 'Remove all unused build cache, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async () => {
      const { engine, ctx } = await openEngine();
      const { entries, reclaimed } = await engine.pruneBuildCache(ctx);
      const { humanSize } = await import('../format/units.js');
      out(`Deleted build cache objects: ${entries}`);
      out(`Total reclaimed space: ${humanSize(reclaimed)}`);
    });
}
