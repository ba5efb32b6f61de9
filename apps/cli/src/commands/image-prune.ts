import type { Command } from 'commander';
import { confirm } from '../confirm.js';
import { openEngine, out } from '../runtime.js';

/** `drydock image prune [-a] [-f]`: asks first unless forced, as Docker does. */
export function defineImagePrune(cmd: Command): Command {
  return cmd
    .description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { all?: boolean; force?: boolean }) => {
      const warning = opts.all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!opts.force && !(await confirm(warning))) return;
      const { engine, ctx } = await openEngine();
      const { humanSize } = await import('../format/units.js');
      const result = engine.prune(ctx, { all: opts.all ?? false });
      if (result.records.length > 0) {
        out('Deleted Images:');
        for (const r of result.records) out('untagged' in r ? `untagged: ${r.untagged}` : `deleted: ${r.deleted}`);
        out('');
      }
      out(`Total reclaimed space: ${humanSize(result.reclaimed)}`);
    });
}
