import type { Command } from 'commander';
import { openEngine, out } from '../runtime.js';

const HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

/** `drydock system df [--format]`: Docker's four rows. */
export function defineSystemDf(cmd: Command): Command {
  return cmd
    .description('Show docker disk usage')
    .option('--format <string>', 'Pretty-print using a Go template')
    .action(async (opts: { format?: string }) => {
      const { engine } = await openEngine();
      const { humanSize } = await import('../format/units.js');
      const { printFormat } = await import('../views/render.js');
      const usage = await engine.diskUsage();
      const row = (type: string, u: { total: number; active: number; size: number; reclaimable: number }) => ({
        Active: String(u.active),
        Reclaimable: u.size > 0 ? `${humanSize(u.reclaimable)} (${Math.floor((u.reclaimable * 100) / u.size)}%)` : humanSize(u.reclaimable),
        Size: humanSize(u.size),
        TotalCount: String(u.total),
        Type: type,
      });
      const rows = [row('Images', usage.images), row('Containers', usage.containers), row('Local Volumes', usage.volumes), row('Build Cache', usage.buildCache)];
      printFormat(opts.format ?? 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}', rows, HEADERS);
    });
}
