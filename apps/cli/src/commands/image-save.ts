import type { Command } from 'commander';
import { writeFileAtomically } from '../output-file.js';
import { CliExit, openEngine } from '../runtime.js';

/** `drydock image save [-o FILE] IMAGE...`: to a file (written whole, then renamed into place) or stdout. */
export function defineImageSave(cmd: Command): Command {
  return cmd
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<images...>', 'IMAGE')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(async (images: string[], opts: { output?: string }) => {
      if (!opts.output && process.stdout.isTTY) {
        throw new CliExit('Error: cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
      }
      const { engine, ctx } = await openEngine();
      if (!opts.output) return engine.save(ctx, images, process.stdout);
      await writeFileAtomically(opts.output, (out) => engine.save(ctx, images, out));
    });
}
