import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
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

async function confirm(warning: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  process.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
