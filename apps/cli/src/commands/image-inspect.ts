import type { Command } from 'commander';
import { reportError } from '../errors.js';
import { CliExit, openEngine } from '../runtime.js';
import { printInspected } from '../views/inspect-output.js';

/** `drydock image inspect [-f FORMAT] IMAGE...`: Docker's JSON array, or a template per image. */
export function defineImageInspect(cmd: Command): Command {
  return cmd
    .description(cmd.parent?.name() === 'drydock' ? 'Return low-level information on images or containers' : 'Display detailed information on one or more images')
    .argument('<images...>', 'IMAGE')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(async (images: string[], opts: { format?: string }) => {
      const { engine } = await openEngine();
      const found: Record<string, unknown>[] = [];
      let failed = false;
      for (const image of images) {
        try {
          found.push(engine.inspect(image));
        } catch (err) {
          // Top-level `inspect` also finds containers, as Docker's does.
          const container = cmd.parent?.name() === 'drydock' ? await engine.containers.inspect(image).catch(() => undefined) : undefined;
          if (container) found.push(container);
          else {
            reportError(err, false);
            failed = true;
          }
        }
      }
      await printInspected(found, opts.format);
      if (failed) throw new CliExit('', 1);
    });
}
