import type { Command } from 'commander';
import type { ImageSummary } from '@drydock/engine';
import { collect, parseFilters } from '../options.js';
import { openEngine, out } from '../runtime.js';

/** `drydock image ls` / `drydock images`: Docker's columns, flags and --format. */
export function defineImageLs(cmd: Command): Command {
  return cmd
    .description('List images')
    .argument('[repository]', 'REPOSITORY[:TAG] to match')
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('--digests', 'Show digests')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--format <string>', 'Pretty-print images using a Go template')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .action(async (repository: string | undefined, opts: { all?: boolean; digests?: boolean; filter: string[]; format?: string; trunc: boolean; quiet?: boolean }) => {
      const { engine } = await openEngine();
      const { selectImages, imageRows, IMAGE_HEADERS } = await import('../views/image-rows.js');
      const { printFormat } = await import('../views/render.js');
      const { RowFormat } = await import('../format/table.js');
      const filters = parseFilters(opts.filter);
      if (repository) (filters.reference ??= []).push(repository);
      const images: ImageSummary[] = selectImages(engine, filters, opts.all ?? false);
      const format = new RowFormat(
        opts.quiet
          ? '{{.ID}}'
          : opts.format ?? (opts.digests ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}' : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'),
      );
      const rows = imageRows(images, { digests: opts.digests ?? false, trunc: opts.trunc, fields: format.fields });
      printFormat(format, rows, IMAGE_HEADERS);
    });
}
