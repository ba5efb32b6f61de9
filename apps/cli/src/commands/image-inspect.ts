import type { Command } from 'commander';
import { daemonError, isEngineError } from '../errors.js';
import { CliExit, openEngine } from '../runtime.js';
import { inspectEach } from '../views/inspect-output.js';

/** `drydock image inspect [-f FORMAT] IMAGE...`: Docker's JSON array, or a template per image. */
export function defineImageInspect(cmd: Command): Command {
  return cmd
    .description(cmd.parent?.name() === 'drydock' ? 'Return low-level information on images or containers' : 'Display detailed information on one or more images')
    .argument('<images...>', 'IMAGE')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(async (images: string[], opts: { format?: string }) => {
      const { engine } = await openEngine();
      await inspectEach(images, opts.format, async (image) => {
        try {
          return engine.inspect(image);
        } catch (err) {
          // Top-level `inspect` also finds containers, as Docker's does.
          // `image inspect` says it twice, as dockerd's does: `no such image: nope: No such image: nope:latest`.
          if (cmd.parent?.name() !== 'drydock') throw isEngineError(err, 'not-found') ? daemonError(`no such image: ${image}: ${(err as Error).message}`) : err;
          const container = await engine.containers.inspect(image).catch(() => undefined);
          if (container) return container;
          if (isEngineError(err, 'not-found')) throw new CliExit(`Error: No such object: ${image}`, 1);
          throw err;
        }
      });
    });
}
