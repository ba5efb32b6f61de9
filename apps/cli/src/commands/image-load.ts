import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { streamErrorsBare } from '../errors.js';
import { CliExit, openEngine, out } from '../runtime.js';

/** `drydock image load [-i FILE] [-q]`: prints `Loaded image: NAME` or `Loaded image ID: ID`. */
export function defineImageLoad(cmd: Command): Command {
  return cmd
    .description('Load an image from a tar archive or STDIN')
    .option('-i, --input <file>', 'Read from tar archive file, instead of STDIN')
    .option('-q, --quiet', 'Suppress the load output')
    .action(async (opts: { input?: string; quiet?: boolean }) => {
      if (!opts.input && process.stdin.isTTY) throw new CliExit('Error: requested load from stdin, but stdin is empty', 1);
      const { engine, ctx } = await openEngine();
      const input = opts.input ? await openFile(opts.input) : process.stdin;
      const loaded = await streamErrorsBare(() => engine.load(ctx, input));
      for (const image of loaded) {
        for (const r of image.replaced) {
          out(`The image ${r.tag} already exists, renaming the old one with ID ${r.previous} to empty string`);
        }
        if (image.tags.length === 0) out(`Loaded image ID: ${image.id}`);
        for (const tag of image.tags) out(`Loaded image: ${tag}`);
      }
    });
}

/** Opens a file, failing with one line (not a stream error later) when it cannot be read. */
export async function openFile(path: string): Promise<NodeJS.ReadableStream & import('node:stream').Readable> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e: NodeJS.ErrnoException) => reject(new CliExit(`open ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`, 1)));
  });
  return stream;
}
