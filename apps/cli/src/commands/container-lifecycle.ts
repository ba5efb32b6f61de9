import type { Command } from 'commander';
import { eachReported } from '../errors.js';
import { CliExit, openEngine, out } from '../runtime.js';
import { shimCommand } from '../shim.js';
import type { Engine, OperationContext } from '@drydock/engine';

/**
 * Runs `fn` for each container, printing what Docker prints; one failure does
 * not stop the rest. `summary` is the last line after failures (`start` has one).
 */
async function eachContainer(
  names: string[],
  fn: (engine: Engine, ctx: OperationContext, name: string) => Promise<string | void>,
  summary?: (failed: string[]) => string,
): Promise<void> {
  const { engine, ctx } = await openEngine();
  const failed: string[] = [];
  await eachReported(names, async (name) => {
    try {
      const echoed = await fn(engine, ctx, name);
      if (echoed !== undefined) out(echoed);
    } catch (err) {
      failed.push(name);
      throw err;
    }
  });
  if (failed.length > 0) throw new CliExit(summary ? summary(failed) : '', 1);
}

export function defineContainerStart(cmd: Command): Command {
  return cmd
    .description('Start one or more stopped containers')
    .argument('<containers...>', 'CONTAINER')
    .action((names: string[]) =>
      eachContainer(
        names,
        async (engine, ctx, name) => {
          await engine.containers.start(ctx, name, { detach: shimCommand() });
          return name;
        },
        (failed) => `Error: failed to start containers: ${failed.join(', ')}`,
      ),
    );
}

export function defineContainerStop(cmd: Command): Command {
  return cmd
    .description('Stop one or more running containers')
    .argument('<containers...>', 'CONTAINER')
    .option('-t, --time <seconds>', 'Seconds to wait for stop before killing it', '10')
    .action((names: string[], opts: { time: string }) =>
      eachContainer(names, async (engine, ctx, name) => {
        await engine.containers.stop(ctx, name, { timeoutSec: Number(opts.time) });
        await engine.containers.exited(engine.containers.store.resolve(name).id).catch(() => undefined);
        return name;
      }),
    );
}

export function defineContainerRestart(cmd: Command): Command {
  return cmd
    .description('Restart one or more containers')
    .argument('<containers...>', 'CONTAINER')
    .option('-t, --time <seconds>', 'Seconds to wait for stop before killing the container', '10')
    .action((names: string[], opts: { time: string }) =>
      eachContainer(names, async (engine, ctx, name) => {
        await engine.containers.stop(ctx, name, { timeoutSec: Number(opts.time) });
        await engine.containers.start(ctx, name, { detach: shimCommand() });
        return name;
      }),
    );
}

export function defineContainerKill(cmd: Command): Command {
  return cmd
    .description('Kill one or more running containers')
    .argument('<containers...>', 'CONTAINER')
    .option('-s, --signal <string>', 'Signal to send to the container', 'KILL')
    .action((names: string[], opts: { signal: string }) =>
      eachContainer(names, async (engine, ctx, name) => {
        await engine.containers.kill(ctx, name, opts.signal);
        return name;
      }),
    );
}

export function defineContainerPause(cmd: Command, pause: boolean): Command {
  return cmd
    .description(pause ? 'Pause all processes within one or more containers' : 'Unpause all processes within one or more containers')
    .argument('<containers...>', 'CONTAINER')
    .action((names: string[]) =>
      eachContainer(names, async (engine, ctx, name) => {
        await engine.containers.pause(ctx, name, pause);
        return name;
      }),
    );
}

export function defineContainerWait(cmd: Command): Command {
  return cmd
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<containers...>', 'CONTAINER')
    .action((names: string[]) => eachContainer(names, async (engine, _ctx, name) => String(await engine.containers.wait(name))));
}

export function defineContainerRm(cmd: Command): Command {
  return cmd
    .description('Remove one or more containers')
    .argument('<containers...>', 'CONTAINER')
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
    .action((names: string[], opts: { force?: boolean; volumes?: boolean }) =>
      eachContainer(names, (engine, ctx, name) => engine.containers.remove(ctx, name, { force: opts.force ?? false, volumes: opts.volumes ?? false })),
    );
}
