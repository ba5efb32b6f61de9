import type { Command } from 'commander';
import type { VolumeSummary } from '@drydock/engine';
import { confirm } from '../confirm.js';
import { daemonError, eachReported } from '../errors.js';
import { collect, parseFilters } from '../options.js';
import { CliExit, openEngine, out } from '../runtime.js';
import { inspectEach } from '../views/inspect-output.js';

/** `drydock volume create [NAME] [--label k=v]`: prints the name (an existing volume is not an error). */
export function defineVolumeCreate(cmd: Command): Command {
  return cmd
    .description('Create a volume')
    .argument('[name]', 'VOLUME')
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--label <list>', 'Set metadata for a volume', collect, [])
    .action(async (name: string | undefined, opts: { driver: string; label: string[] }) => {
      if (opts.driver !== 'local') throw daemonError(`create ${name ?? ''}: error looking up volume plugin ${opts.driver}: plugin "${opts.driver}" not found`);
      const { engine, ctx } = await openEngine();
      const labels = Object.fromEntries(opts.label.map((l) => [l.split('=')[0]!, l.includes('=') ? l.slice(l.indexOf('=') + 1) : '']));
      out(engine.volumes.create(ctx, name, { labels }).name);
    });
}

/** `drydock volume ls [-q] [--filter] [--format]`: Docker's table, sorted by name. */
export function defineVolumeLs(cmd: Command): Command {
  return cmd
    .description('List volumes')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "dangling=true")', collect, [])
    .option('--format <string>', 'Pretty-print volumes using a Go template')
    .option('-q, --quiet', 'Only display volume names')
    .action(async (opts: { filter: string[]; format?: string; quiet?: boolean }) => {
      const { engine } = await openEngine();
      const { volumeFilter, volumeRow, VOLUME_HEADERS } = await import('../views/volume-rows.js');
      const { printFormat } = await import('../views/render.js');
      const rows = engine.volumes.list().filter(volumeFilter(parseFilters(opts.filter))).map(volumeRow);
      printFormat(opts.quiet ? '{{.Name}}' : opts.format ?? 'table {{.Driver}}\t{{.Name}}', rows, VOLUME_HEADERS);
    });
}

/** `drydock volume inspect [-f FORMAT] VOLUME...`: dockerd's Volume objects. */
export function defineVolumeInspect(cmd: Command): Command {
  return cmd
    .description('Display detailed information on one or more volumes')
    .argument('<volumes...>', 'VOLUME')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(async (names: string[], opts: { format?: string }) => {
      const { engine } = await openEngine();
      await inspectEach(names, opts.format, (name) => engine.volumes.inspect(name));
    });
}

/** `drydock volume rm [-f] VOLUME...`: refused for a volume any container uses, even with -f. */
export function defineVolumeRm(cmd: Command): Command {
  return cmd
    .description('Remove one or more volumes. You cannot remove a volume that is in use by a container.')
    .argument('<volumes...>', 'VOLUME')
    .option('-f, --force', 'Force the removal of one or more volumes')
    .action(async (names: string[], opts: { force?: boolean }) => {
      const { engine, ctx } = await openEngine();
      const failed = await eachReported(names, (name) => {
        engine.volumes.remove(ctx, name, { force: opts.force ?? false });
        out(name);
      });
      if (failed) throw new CliExit('', 1);
    });
}

/**
 * `drydock volume prune [-f] [--filter label=…]`: as dockerd 20.10, every
 * volume no container uses, named or anonymous (`-a` is accepted and means
 * that already).
 */
export function defineVolumePrune(cmd: Command): Command {
  return cmd
    .description('Remove all unused local volumes')
    .option('-a, --all', 'Remove all unused volumes, named ones too (always the case with a 20.10 daemon)')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<label>")', collect, [])
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts: { filter: string[]; force?: boolean }) => {
      const { volumeFilter } = await import('../views/volume-rows.js');
      const filter: (v: VolumeSummary) => boolean = volumeFilter(parseFilters(opts.filter), ['label']);
      if (!opts.force && !(await confirm('WARNING! This will remove all local volumes not used by at least one container.'))) return;
      const { engine, ctx } = await openEngine();
      const { humanSize } = await import('../format/units.js');
      const { deleted, reclaimed } = engine.volumes.prune(ctx, { filter });
      if (deleted.length > 0) for (const line of ['Deleted Volumes:', ...deleted, '']) out(line);
      out(`Total reclaimed space: ${humanSize(reclaimed)}`);
    });
}
