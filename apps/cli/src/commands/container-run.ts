import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CreateOptions, Engine, OperationContext } from '@drydock/engine';
import { envVar } from '../env.js';
import { isEngineError } from '../errors.js';
import { collect } from '../options.js';
import { CliExit, openEngine, out } from '../runtime.js';
import { shimCommand } from '../shim.js';

interface RunFlags {
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  name?: string;
  env: string[];
  envFile: string[];
  workdir?: string;
  user?: string;
  volume: string[];
  publish: string[];
  network?: string;
  entrypoint?: string;
  hostname?: string;
  memory?: string;
  cpus?: string;
  label: string[];
}

/** The flags `run` and `create` share (Docker's container options we support). */
function containerFlags(cmd: Command): Command {
  return cmd
    .argument('<image>', 'IMAGE')
    .argument('[command...]', 'COMMAND [ARG...]')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--name <string>', 'Assign a name to the container')
    .option('-e, --env <value>', 'Set environment variables', collect, [])
    .option('--env-file <file>', 'Read in a file of environment variables', collect, [])
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-v, --volume <list>', 'Bind mount a volume', collect, [])
    .option('-p, --publish <list>', "Publish a container's port(s) to the host", collect, [])
    .option('--network <string>', 'Connect a container to a network (bridge, host, none)', 'bridge')
    .option('--entrypoint <string>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-h, --hostname <string>', 'Container host name')
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-l, --label <value>', 'Set meta data on a container', collect, [])
    .option('--rm', 'Automatically remove the container when it exits')
    .passThroughOptions();
}

/** Turns flags into engine options, with Docker's parsing of env files, sizes and CPUs. */
function createOptions(image: string, command: string[], f: RunFlags): CreateOptions {
  const env = [...f.envFile.flatMap(readEnvFile), ...f.env].map((e) => (e.includes('=') ? e : envVar(e) !== undefined ? `${e}=${envVar(e)}` : e));
  const network = f.network ?? 'bridge';
  if (!['bridge', 'host', 'none', 'default'].includes(network)) throw new CliExit(`drydock: network ${network} not found.`, 125);
  return {
    image,
    cmd: command,
    env,
    binds: f.volume,
    publish: f.publish,
    network: network === 'default' ? 'bridge' : (network as 'bridge' | 'host' | 'none'),
    autoRemove: f.rm ?? false,
    tty: f.tty ?? false,
    openStdin: f.interactive ?? false,
    labels: Object.fromEntries(f.label.map((l) => [l.split('=')[0]!, l.slice(l.indexOf('=') + 1)])),
    ...(f.name !== undefined ? { name: f.name } : {}),
    ...(f.workdir !== undefined ? { workdir: f.workdir } : {}),
    ...(f.user !== undefined ? { user: f.user } : {}),
    ...(f.entrypoint !== undefined ? { entrypoint: f.entrypoint } : {}),
    ...(f.hostname !== undefined ? { hostname: f.hostname } : {}),
    ...(f.memory !== undefined ? { memory: parseBytes(f.memory) } : {}),
    ...(f.cpus !== undefined ? { cpus: parseCpus(f.cpus) } : {}),
  };
}

function readEnvFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliExit(`drydock: open ${path}: no such file or directory.`, 125);
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

function parseBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(v.trim());
  if (!m) throw new CliExit(`invalid argument "${v}" for "-m, --memory" flag: invalid size: '${v}'`, 125);
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

function parseCpus(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new CliExit(`invalid argument "${v}" for "--cpus" flag: failed to parse ${v} as a rational number`, 125);
  return n;
}

/** `drydock container create`: prints the new container's ID. */
export function defineContainerCreate(cmd: Command): Command {
  return containerFlags(cmd.description('Create a new container')).action(async (image: string, command: string[], flags: RunFlags) => {
    const { engine, ctx } = await openEngine();
    const record = await createContainer(engine, ctx, image, command, flags);
    out(record.id);
  });
}

/**
 * `drydock container run`: create and start. Detached prints the ID; in the
 * foreground the container's output streams and its exit code is ours.
 */
export function defineContainerRun(cmd: Command): Command {
  return containerFlags(cmd.description('Create and run a new container from an image'))
    .option('-d, --detach', 'Run container in background and print container ID')
    .action(async (image: string, command: string[], flags: RunFlags) => {
      const { engine, ctx } = await openEngine();
      const record = await createContainer(engine, ctx, image, command, flags);
      if (flags.detach) {
        const state = await engine.containers.start(ctx, record.id, { detach: shimCommand() }).catch(engineError);
        out(record.id);
        if (state.status === 'exited' && state.error) throw new CliExit(`drydock: ${state.error}.`, state.exitCode ?? 125);
        return;
      }
      const state = await engine.containers
        .start(ctx, record.id, { detach: false, io: { stdout: process.stdout, stderr: process.stderr, ...(flags.interactive ? { stdin: 0 } : {}) } })
        .catch(engineError);
      await engine.containers.exited(record.id);
      if (state.error) process.stderr.write(`drydock: ${state.error}.\n`);
      throw new CliExit('', state.exitCode ?? 125);
    });
}

/** Creates the container; an image that is not here is pulled first ("Unable to find image … locally"), as Docker's CLI does. */
async function createContainer(engine: Engine, ctx: OperationContext, image: string, command: string[], flags: RunFlags) {
  const options = createOptions(image, command, flags);
  if (!imageIsHere(engine, image)) await pullForRun(engine, ctx, image);
  return engine.containers.create(ctx, options).catch(engineError);
}

function imageIsHere(engine: Engine, image: string): boolean {
  try {
    engine.resolve(image);
    return true;
  } catch (err) {
    if (isEngineError(err, 'not-found')) return false;
    return engineError(err);
  }
}

async function pullForRun(engine: Engine, ctx: OperationContext, image: string): Promise<void> {
  const { reference } = await import('@drydock/engine');
  let named: string;
  try {
    named = reference.familiarString(reference.tagNameOnly(reference.parseNormalizedNamed(image)));
  } catch {
    throw new CliExit(`drydock: No such image: ${image}.`, 125); // an ID that is not here: nothing to pull
  }
  process.stderr.write(`Unable to find image '${named}' locally\n`);
  const { pullMissingImage } = await import('./image-push-pull.js');
  await pullMissingImage(engine, ctx, image).catch(engineError);
}

/** Engine failures of create/start exit 125, as the Docker CLI's. */
function engineError(err: unknown): never {
  if (isEngineError(err)) throw new CliExit(`drydock: ${err.message}.`, 125);
  throw err;
}
