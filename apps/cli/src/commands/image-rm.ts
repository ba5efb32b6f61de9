import type { Command } from 'commander';
import { reportError } from '../errors.js';
import { CliExit, openEngine, out } from '../runtime.js';

/** `drydock image rm [-f] [--no-prune] IMAGE...`: one failure does not stop the others. */
export function defineImageRm(cmd: Command): Command {
  return cmd
    .description('Remove one or more images')
    .argument('<images...>', 'IMAGE')
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Do not delete untagged parents')
    .action(async (images: string[], opts: { force?: boolean; prune: boolean }) => {
      const { engine, ctx } = await openEngine();
      let failed = false;
      for (const image of images) {
        try {
          for (const r of engine.remove(ctx, image, { force: opts.force ?? false, prune: opts.prune })) {
            out('untagged' in r ? `Untagged: ${r.untagged}` : `Deleted: ${r.deleted}`);
          }
        } catch (err) {
          reportError(err, false);
          failed = true;
        }
      }
      if (failed) throw new CliExit('', 1);
    });
}
