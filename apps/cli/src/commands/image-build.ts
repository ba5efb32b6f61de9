import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { envVar } from '../env.js';
import { collect } from '../options.js';
import { CliExit, openEngine, out } from '../runtime.js';
import { isEngineError } from '../errors.js';
import { BuildProgress, plainProgress, ttyProgress } from '../views/build-progress.js';

interface BuildFlags {
  tag: string[];
  file?: string;
  buildArg: string[];
  target?: string;
  cache: boolean;
  label: string[];
  quiet?: boolean;
  iidfile?: string;
  progress: string;
  secret: string[];
  reproducible?: boolean;
}

/** `drydock image build` / `build`: BuildKit's plain or tty progress on stderr, the image ID with -q. */
export function defineImageBuild(cmd: Command): Command {
  return cmd
    .description('Build an image from a Dockerfile')
    .argument('<context>', 'PATH | -')
    .option('-t, --tag <name>', 'Name and optionally a tag in the "name:tag" format', collect, [])
    .option('-f, --file <string>', "Name of the Dockerfile (Default is 'PATH/Dockerfile')")
    .option('--build-arg <value>', 'Set build-time variables', collect, [])
    .option('--target <string>', 'Set the target build stage to build')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--label <value>', 'Set metadata for an image', collect, [])
    .option('-q, --quiet', 'Suppress the build output and print image ID on success')
    .option('--iidfile <string>', 'Write the image ID to the file')
    .option('--progress <string>', 'Set type of progress output (auto, plain, tty)', 'auto')
    .option('--secret <value>', 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or "id=X,env=VAR")', collect, [])
    .option('--reproducible', 'Same inputs, same digest: times from SOURCE_DATE_EPOCH (default 0)')
    .action(async (context: string, flags: BuildFlags) => {
      if (context === '-' && flags.file === '-') throw new CliExit('ERROR: invalid argument: can\'t use stdin for both build context and dockerfile', 1);
      if (!['auto', 'plain', 'tty'].includes(flags.progress)) throw new CliExit(`ERROR: invalid progress mode ${JSON.stringify(flags.progress)}: use auto, plain or tty`, 1);
      const spec =
        context === '-'
          ? { stream: process.stdin, ...(flags.file !== undefined ? { dockerfile: flags.file } : {}) }
          : {
              dir: resolve(context),
              ...(flags.file === '-' ? { dockerfile: { content: await readAll(process.stdin) } } : flags.file !== undefined ? { dockerfile: resolve(flags.file) } : {}),
            };
      const buildArgs = Object.fromEntries(flags.buildArg.map((a) => (a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, envVar(a) ?? ''])));
      const epoch = sourceDateEpoch(buildArgs.SOURCE_DATE_EPOCH ?? envVar('SOURCE_DATE_EPOCH'), flags.reproducible ?? false);
      const secrets = Object.fromEntries(flags.secret.map(parseSecret));
      const { engine, ctx } = await openEngine();
      const tty = !flags.quiet && (flags.progress === 'tty' || (flags.progress === 'auto' && process.stderr.isTTY));
      const progress = new BuildProgress();
      const display = flags.quiet ? undefined : tty ? ttyProgress(process.stderr, progress) : undefined;
      const onEvent = flags.quiet ? () => {} : display ? display.onEvent : plainProgress((l) => process.stderr.write(`${l}\n`), progress);
      const id = await engine
        .build(
          { ...ctx, onEvent },
          {
            context: spec,
            tags: flags.tag,
            buildArgs,
            ...(flags.target !== undefined ? { target: flags.target } : {}),
            noCache: !flags.cache,
            labels: Object.fromEntries(flags.label.map((l) => [l.split('=')[0]!, l.slice(l.indexOf('=') + 1)])),
            secrets,
            ...(epoch !== undefined ? { sourceDateEpoch: epoch } : {}),
            fetch: (await import('../download-fetch.js')).downloadFetch(),
          },
        )
        .catch((err: Error & { name?: string }) => {
          display?.finish('ERROR');
          if (isEngineError(err)) throw new CliExit(`ERROR: failed to solve: ${err.message}`, 1);
          throw err;
        });
      if (flags.iidfile) writeFileSync(flags.iidfile, id);
      if (flags.quiet) out(id);
      else if (display) display.finish('FINISHED', [' => exporting to image', ` => => writing image ${id}`, ...flags.tag.map((t) => ` => => naming to ${t}`)]);
      else {
        const n = progress.lastStep + 1;
        const w = (s: string) => process.stderr.write(`${s}\n`);
        w(`#${n} exporting to image`);
        w(`#${n} writing image ${id} done`);
        for (const t of flags.tag) w(`#${n} naming to ${t} done`);
        w(`#${n} DONE 0.0s`);
      }
    });
}

/** `--secret id=X[,src=FILE|,env=VAR][,type=file|env]` as buildx reads it; the value is read here, never logged. */
function parseSecret(spec: string): [string, { data: Buffer }] {
  const fields = new Map(spec.split(',').map((f) => [f.slice(0, f.indexOf('=') < 0 ? f.length : f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
  const id = fields.get('id');
  if (!id) throw new CliExit(`ERROR: invalid secret ${JSON.stringify(spec.split(',')[0])}: id is required`, 1);
  const src = fields.get('src') ?? fields.get('source');
  const envName = fields.get('env') ?? (fields.get('type') === 'env' ? id : undefined);
  if (envName !== undefined && src === undefined) {
    const value = envVar(envName);
    if (value === undefined) throw new CliExit(`ERROR: secret ${id}: environment variable ${envName} is not set`, 1);
    return [id, { data: Buffer.from(value) }];
  }
  const path = src ?? id;
  try {
    return [id, { data: readFileSync(path) }];
  } catch {
    throw new CliExit(`ERROR: secret ${id}: cannot read ${path}`, 1);
  }
}

/** SOURCE_DATE_EPOCH (build arg first, then the environment), or 0 with --reproducible alone. */
function sourceDateEpoch(value: string | undefined, reproducible: boolean): number | undefined {
  if (value === undefined || value === '') return reproducible ? 0 : undefined;
  if (!/^\d+$/.test(value)) throw new CliExit(`ERROR: invalid SOURCE_DATE_EPOCH ${JSON.stringify(value)}: want seconds since 1970`, 1);
  return Number(value);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
