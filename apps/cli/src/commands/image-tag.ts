import type { Command } from 'commander';
import { openEngine } from '../runtime.js';

/** `drydock image tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]` */
export function defineImageTag(cmd: Command): Command {
  return cmd
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>', 'SOURCE_IMAGE[:TAG]')
    .argument('<target>', 'TARGET_IMAGE[:TAG]')
    .action(async (source: string, target: string) => {
      const { engine, ctx } = await openEngine();
      engine.tag(ctx, source, target);
    });
}
