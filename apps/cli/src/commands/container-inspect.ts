import type { Command } from 'commander';
import { collect, parseFilters } from '../options.js';
import { writeFileAtomically } from '../output-file.js';
import { inspectEach } from '../views/inspect-output.js';
import { CliExit, openEngine, out } from '../runtime.js';

/** `drydock container ls` / `ps`: Docker's columns and flags. */
export function defineContainerLs(cmd: Command): Command {
  return cmd
    .description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-q, --quiet', 'Only display container IDs')
    .option('--no-trunc', "Don't truncate output")
    .option('--format <string>', 'Pretty-print containers using a Go template')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .action(async (opts: { all?: boolean; quiet?: boolean; trunc: boolean; format?: string; filter: string[] }) => {
      const { engine } = await openEngine();
      const { containerRows, filterContainers, CONTAINER_HEADERS } = await import('../views/container-rows.js');
      const { printFormat } = await import('../views/render.js');
      const filters = parseFilters(opts.filter);
      const listed = await engine.containers.list({ all: (opts.all ?? false) || filters.status !== undefined });
      const rows = containerRows(filterContainers(listed, filters), { trunc: opts.trunc });
      const format = opts.quiet ? '{{.ID}}' : opts.format ?? 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
      printFormat(format, rows, CONTAINER_HEADERS);
    });
}

export function defineContainerInspect(cmd: Command): Command {
  return cmd
    .description('Display detailed information on one or more containers')
    .argument('<containers...>', 'CONTAINER')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(async (names: string[], opts: { format?: string }) => {
      const { engine } = await openEngine();
      await inspectEach(names, opts.format, (name) => engine.containers.inspect(name));
    });
}

export function defineContainerLogs(cmd: Command): Command {
  return cmd
    .description('Fetch the logs of a container')
    .argument('<container>', 'CONTAINER')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--since <string>', 'Show logs since timestamp or relative (e.g. 42m)')
    .option('--until <string>', 'Show logs before a timestamp or relative')
    .action(async (name: string, opts: { follow?: boolean; tail: string; timestamps?: boolean; since?: string; until?: string }) => {
      const { engine } = await openEngine();
      const { formatLogLine } = await import('@drydock/engine');
      const tail = opts.tail === 'all' ? undefined : Number(opts.tail);
      for await (const line of engine.containers.logs(name, {
        follow: opts.follow ?? false,
        ...(tail !== undefined ? { tail } : {}),
        ...(opts.since ? { since: opts.since } : {}),
        ...(opts.until ? { until: opts.until } : {}),
      })) {
        (line.stream === 'stderr' ? process.stderr : process.stdout).write(formatLogLine(line, { timestamps: opts.timestamps ?? false }));
      }
    });
}

export function defineContainerExec(cmd: Command): Command {
  return cmd
    .description('Execute a command in a running container')
    .argument('<container>', 'CONTAINER')
    .argument('<command...>', 'COMMAND [ARG...]')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-e, --env <value>', 'Set environment variables', collect, [])
    .option('-u, --user <string>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .passThroughOptions()
    .action(async (name: string, command: string[], opts: { interactive?: boolean; tty?: boolean; env: string[]; user?: string; workdir?: string }) => {
      const { engine, ctx } = await openEngine();
      const code = await engine.containers.exec(ctx, name, {
        cmd: command,
        env: opts.env,
        tty: opts.tty ?? false,
        interactive: opts.interactive ?? false,
        ...(opts.user !== undefined ? { user: opts.user } : {}),
        ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
      });
      if (code !== 0) throw new CliExit('', code);
    });
}

export function defineContainerDiff(cmd: Command): Command {
  return cmd
    .description("Inspect changes to files or directories on a container's filesystem")
    .argument('<container>', 'CONTAINER')
    .action(async (name: string) => {
      const { engine } = await openEngine();
      process.stdout.write(await engine.containers.diff(name));
    });
}

export function defineContainerCommit(cmd: Command): Command {
  return cmd
    .description("Create a new image from a container's changes")
    .argument('<container>', 'CONTAINER')
    .argument('[repository]', 'REPOSITORY[:TAG]')
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .option('-c, --change <value>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-m, --message <string>', 'Commit message')
    .option('-p, --pause [bool]', 'Pause container during commit', (v: string) => !['false', '0'].includes(v), true)
    .option('--no-pause', 'Do not pause the container during commit')
    .action(async (name: string, repository: string | undefined, opts: { author?: string; change: string[]; message?: string; pause: boolean }) => {
      const { engine, ctx } = await openEngine();
      const id = await engine.containers.commit(ctx, name, {
        changes: opts.change,
        pause: opts.pause,
        ...(opts.author !== undefined ? { author: opts.author } : {}),
        ...(opts.message !== undefined ? { message: opts.message } : {}),
        ...(repository ? { ref: repository } : {}),
      });
      out(id);
    });
}

export function defineContainerExport(cmd: Command): Command {
  return cmd
    .description("Export a container's filesystem as a tar archive")
    .argument('<container>', 'CONTAINER')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(async (name: string, opts: { output?: string }) => {
      if (!opts.output && process.stdout.isTTY) throw new CliExit('Error: cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
      const { engine, ctx } = await openEngine();
      if (!opts.output) return engine.containers.export(ctx, name, process.stdout);
      await writeFileAtomically(opts.output, (out) => engine.containers.export(ctx, name, out));
    });
}
