import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { collect } from '../options.js';
import { CliExit, openEngine, out } from '../runtime.js';
import { openFile } from './image-load.js';

/** `drydock image import [-c CHANGE] [-m MESSAGE] FILE|URL|- [REPOSITORY[:TAG]]`: prints the new image ID. */
export function defineImageImport(cmd: Command): Command {
  return cmd
    .description('Import the contents from a tarball to create a filesystem image')
    .argument('<source>', 'file|URL|-')
    .argument('[repository]', 'REPOSITORY[:TAG]')
    .option('-c, --change <value>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-m, --message <string>', 'Set commit message for imported image')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .action(async (source: string, repository: string | undefined, opts: { change: string[]; message?: string }) => {
      const { engine, ctx } = await openEngine();
      const { parseChanges } = await import('@drydock/engine/changes');
      const applyChanges = parseChanges(opts.change);
      const isUrl = /^https?:\/\//i.test(source);
      const input = source === '-' ? process.stdin : isUrl ? await download(source) : await openFile(source);
      const id = await engine.importImage(ctx, input, {
        source: isUrl ? source : '-',
        ...(opts.message !== undefined ? { message: opts.message } : {}),
        ...(repository ? { ref: repository } : {}),
        applyChanges,
      });
      out(id);
    });
}

async function download(url: string): Promise<Readable> {
  let res: Response;
  try {
    // Loaded on use: it reads TLS state, which the startup snapshot must not hold.
    const { downloadFetch } = await import('../download-fetch.js');
    res = await downloadFetch()(url, { redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliExit(`Error: Get "${url}": ${cause?.code ?? cause?.message ?? (err as Error).message}`, 1);
  }
  if (!res.ok || !res.body) throw new CliExit(`Error: Get "${url}": ${res.status} ${res.statusText}`, 1);
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
}
