import type { Command } from 'commander';
import { openEngine, out } from '../runtime.js';

/** `drydock image history [-H] [--no-trunc] [-q] [--format] IMAGE` */
export function defineImageHistory(cmd: Command): Command {
  return cmd
    .description('Show the history of an image')
    .argument('<image>', 'IMAGE')
    .option('--format <string>', 'Pretty-print history using a Go template')
    .option('-H, --human [bool]', 'Print sizes and dates in human readable format', parseBool, true)
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .action(async (image: string, opts: { format?: string; human: boolean; trunc: boolean; quiet?: boolean }) => {
      const { engine } = await openEngine();
      const { historyRows, HISTORY_HEADERS } = await import('../views/history-rows.js');
      const { printFormat } = await import('../views/render.js');
      const rows = historyRows(engine.history(image), { human: opts.human, trunc: opts.trunc });
      const format = opts.quiet ? '{{.ID}}' : opts.format ?? 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
      printFormat(format, rows, HISTORY_HEADERS);
    });
}

function parseBool(v: string): boolean {
  return !['false', '0', 'no'].includes(v.toLowerCase());
}
