import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { EngineEvent } from '@drydock/engine';
import { collect } from '../options.js';
import { CliExit, openEngine, out } from '../runtime.js';

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
}

/** `drydock image build` / `build`: BuildKit's plain progress on stderr, the image ID with -q. */
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
    .action(async (context: string, flags: BuildFlags) => {
      if (context === '-' && flags.file === '-') throw new CliExit('ERROR: invalid argument: can\'t use stdin for both build context and dockerfile', 1);
      const spec =
        context === '-'
          ? { stream: process.stdin, ...(flags.file !== undefined ? { dockerfile: flags.file } : {}) }
          : {
              dir: resolve(context),
              ...(flags.file === '-' ? { dockerfile: { content: await readAll(process.stdin) } } : flags.file !== undefined ? { dockerfile: resolve(flags.file) } : {}),
            };
      const { engine, ctx } = await openEngine();
      const progress = flags.quiet ? () => {} : plainProgress();
      const id = await engine
        .build(
          { ...ctx, onEvent: progress },
          {
            context: spec,
            tags: flags.tag,
            buildArgs: Object.fromEntries(flags.buildArg.map((a) => (a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, process.env[a] ?? '']))),
            ...(flags.target !== undefined ? { target: flags.target } : {}),
            noCache: !flags.cache,
            labels: Object.fromEntries(flags.label.map((l) => [l.split('=')[0]!, l.slice(l.indexOf('=') + 1)])),
          },
        )
        .catch((err: Error & { name?: string }) => {
          if (err.name === 'DrydockError') throw new CliExit(`ERROR: failed to solve: ${err.message}`, 1);
          throw err;
        });
      if (flags.iidfile) writeFileSync(flags.iidfile, id);
      if (flags.quiet) out(id);
      else {
        const w = (s: string) => process.stderr.write(`${s}\n`);
        w(`#${stepCount + 1} exporting to image`);
        w(`#${stepCount + 1} writing image ${id} done`);
        for (const t of flags.tag) w(`#${stepCount + 1} naming to ${t} done`);
        w(`#${stepCount + 1} DONE 0.0s`);
      }
    });
}

let stepCount = 0;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** BuildKit's `--progress=plain`: `#N [stage i/n] INSTRUCTION`, output lines with elapsed seconds, `CACHED`/`DONE t`/`ERROR`. */
function plainProgress(): (e: EngineEvent) => void {
  const started = new Map<number, number>();
  const w = (s: string) => process.stderr.write(`${s}\n`);
  return (e) => {
    switch (e.type) {
      case 'engine:build:step':
        stepCount = Math.max(stepCount, e.step);
        started.set(e.step, Date.now());
        w(`#${e.step} ${e.name}`);
        break;
      case 'engine:build:log': {
        const t = ((Date.now() - (started.get(e.step) ?? Date.now())) / 1000).toFixed(3);
        for (const line of e.text.replace(/\n$/, '').split('\n')) w(`#${e.step} ${t} ${line}`);
        break;
      }
      case 'engine:build:cached':
        w(`#${e.step} CACHED`);
        break;
      case 'engine:build:done':
        w(`#${e.step} DONE ${(e.durationMs / 1000).toFixed(1)}s`);
        break;
      case 'engine:build:failed':
        w(`#${e.step} ERROR: ${e.error}`);
        break;
      default:
        break;
    }
  };
}
