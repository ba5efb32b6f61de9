import type { Command } from 'commander';
import type { Engine, EngineEvent, OperationContext } from '@drydock/engine';
import { registryOptions } from '../registry-options.js';
import { openEngine, out } from '../runtime.js';
import { streamErrorsBare } from '../errors.js';

/**
 * Docker's push and pull output without a terminal: one line per image
 * status and per layer status change (`a1b2c3d4e5f6: Pushed`); byte counts
 * of Pushing/Downloading/Extracting are left out, as Docker leaves them out.
 */
function progressPrinter(quiet: boolean, print: (line: string) => void = out): (e: EngineEvent) => void {
  const seen = new Set<string>();
  return (e) => {
    if (quiet) return;
    if (e.type === 'engine:registry:status') print(e.text);
    else if (e.type === 'engine:registry:layer') {
      if (e.current !== undefined) return;
      const line = `${e.id}: ${e.status === 'Mounted from' ? `Mounted from ${e.from ?? ''}` : e.status}`;
      if (e.status !== 'Retrying' && seen.has(line)) return;
      seen.add(line);
      print(line);
    }
  };
}

/** `drydock image push [-a] NAME[:TAG]`. */
export function defineImagePush(cmd: Command): Command {
  return cmd
    .description('Upload an image to a registry')
    .argument('<name>', 'NAME[:TAG]')
    .option('-a, --all-tags', 'Push all tagged images in the repository')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(async (name: string, opts: { allTags?: boolean; quiet?: boolean }) => {
      const { engine, ctx } = await openEngine();
      const options = (await registryOptions()).options;
      const results = await streamErrorsBare(() => engine.push({ ...ctx, onEvent: progressPrinter(opts.quiet ?? false) }, name, { ...options, all: opts.allTags ?? false }));
      if (opts.quiet) for (const r of results) out(r.ref);
    });
}

/** `drydock image pull [-a] [--platform P] NAME[:TAG|@DIGEST]`. */
export function defineImagePull(cmd: Command): Command {
  return cmd
    .description('Download an image from a registry')
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--platform <platform>', 'Set platform if server is multi-platform capable (os/arch[/variant])')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(async (name: string, opts: { allTags?: boolean; platform?: string; quiet?: boolean }) => {
      const { engine, ctx } = await openEngine();
      const { distribution } = await import('@drydock/engine');
      const platform = opts.platform ? distribution.parsePlatform(opts.platform) : undefined;
      const results = await engine.pull({ ...ctx, onEvent: progressPrinter(opts.quiet ?? false) }, name, {
        ...(await registryOptions()).options,
        all: opts.allTags ?? false,
        ...(platform ? { platform } : {}),
      });
      if (opts.allTags) return;
      for (const r of results) out(r.ref);
    });
}

/** What `run` and `create` do with an image that is not here, as Docker's CLI: pull it, its progress on stderr. */
export async function pullMissingImage(engine: Engine, ctx: OperationContext, name: string): Promise<void> {
  const err = (line: string) => void process.stderr.write(`${line}\n`);
  await engine.pull({ ...ctx, onEvent: progressPrinter(false, err) }, name, { ...(await registryOptions()).options, all: false });
}
