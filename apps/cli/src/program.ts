import { Command, CommanderError } from 'commander';
import { defineAgent } from './commands/agent.js';
import { defineUp } from './commands/up.js';
import { defineBuilderPrune } from './commands/builder-prune.js';
import { defineRegistryGc, defineRegistryServe } from './commands/registry.js';
import { defineImageBuild } from './commands/image-build.js';
import { defineImageHistory } from './commands/image-history.js';
import { defineImageImport } from './commands/image-import.js';
import { defineImageInspect } from './commands/image-inspect.js';
import { defineImageLoad } from './commands/image-load.js';
import { defineImagePrune } from './commands/image-prune.js';
import { defineImageRm } from './commands/image-rm.js';
import { defineImageSave } from './commands/image-save.js';
import { defineImageTag } from './commands/image-tag.js';
import { defineImageLs } from './commands/images-ls.js';
import { defineImagePull, defineImagePush } from './commands/image-push-pull.js';
import { defineLogin, defineLogout } from './commands/login.js';
import { defineSystemDf } from './commands/system-df.js';
import { defineVolumeCreate, defineVolumeInspect, defineVolumeLs, defineVolumePrune, defineVolumeRm } from './commands/volume.js';
import { defineContainerCreate, defineContainerRun } from './commands/container-run.js';
import {
  defineContainerKill,
  defineContainerPause,
  defineContainerRestart,
  defineContainerRm,
  defineContainerStart,
  defineContainerStop,
  defineContainerWait,
} from './commands/container-lifecycle.js';
import {
  defineContainerCommit,
  defineContainerDiff,
  defineContainerExec,
  defineContainerExport,
  defineContainerInspect,
  defineContainerLogs,
  defineContainerLs,
} from './commands/container-inspect.js';
import { readEnv } from './env.js';
import { reportError } from './errors.js';
import { closeEngine } from './runtime.js';

import { VERSION } from './version.js';

/**
 * The command tree. Definitions are cheap; each action loads the engine and
 * its views lazily, so `--version` and `--help` start fast.
 */
function buildProgram(): Command {
  const program = new Command('drydock')
    .description('A daemonless container image engine with Docker-compatible commands')
    .version(`Drydock version ${VERSION}`, '-v, --version', 'Print version information and quit')
    .showSuggestionAfterError(false)
    .enablePositionalOptions()
    .exitOverride();
  const configure = (c: Command) => c.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const image = configure(program.command('image').description('Manage images'));
  const sub = (parent: Command, name: string, define: (c: Command) => Command, ...aliases: string[]) => {
    const c = configure(define(parent.command(name)));
    for (const a of aliases) c.alias(a);
    return c;
  };
  // [subcommand, definition, aliases, Docker's top-level shortcut]
  const imageCommands: [string, (c: Command) => Command, string[], string | null][] = [
    ['ls', defineImageLs, ['list'], 'images'],
    ['tag', defineImageTag, [], 'tag'],
    ['rm', defineImageRm, ['remove'], 'rmi'],
    ['inspect', defineImageInspect, [], 'inspect'],
    ['history', defineImageHistory, [], 'history'],
    ['save', defineImageSave, [], 'save'],
    ['load', defineImageLoad, [], 'load'],
    ['import', defineImageImport, [], 'import'],
    ['prune', defineImagePrune, [], null],
    ['build', defineImageBuild, [], 'build'],
    ['push', defineImagePush, [], 'push'],
    ['pull', defineImagePull, [], 'pull'],
  ];
  for (const [name, define, aliases, shortcut] of imageCommands) {
    sub(image, name, define, ...aliases);
    if (shortcut) sub(program, shortcut, define);
  }

  const container = configure(program.command('container').description('Manage containers')).enablePositionalOptions();
  const containerCommands: [string, (c: Command) => Command, string[]][] = [
    ['run', defineContainerRun, ['run']],
    ['create', defineContainerCreate, ['create']],
    ['start', defineContainerStart, ['start']],
    ['stop', defineContainerStop, ['stop']],
    ['restart', defineContainerRestart, ['restart']],
    ['kill', defineContainerKill, ['kill']],
    ['pause', (c) => defineContainerPause(c, true), ['pause']],
    ['unpause', (c) => defineContainerPause(c, false), ['unpause']],
    ['wait', defineContainerWait, ['wait']],
    ['rm', defineContainerRm, ['rm']],
    ['ls', defineContainerLs, ['ps']],
    ['inspect', defineContainerInspect, []],
    ['logs', defineContainerLogs, ['logs']],
    ['exec', defineContainerExec, ['exec']],
    ['diff', defineContainerDiff, ['diff']],
    ['commit', defineContainerCommit, ['commit']],
    ['export', defineContainerExport, ['export']],
  ];
  for (const [name, define, shortcuts] of containerCommands) {
    const c = sub(container, name, define);
    if (name === 'ls') c.alias('ps').alias('list');
    if (name === 'rm') c.alias('remove');
    for (const s of shortcuts) sub(program, s, define);
  }

  const volume = configure(program.command('volume').description('Manage volumes'));
  sub(volume, 'create', defineVolumeCreate);
  sub(volume, 'ls', defineVolumeLs, 'list');
  sub(volume, 'inspect', defineVolumeInspect);
  sub(volume, 'rm', defineVolumeRm, 'remove');
  sub(volume, 'prune', defineVolumePrune);

  sub(program, 'login', defineLogin);
  sub(program, 'logout', defineLogout);

  const registry = configure(program.command('registry').description('Run and maintain a private registry'));
  sub(registry, 'serve', defineRegistryServe);
  sub(registry, 'gc', defineRegistryGc);

  sub(program, 'agent', defineAgent);
  sub(program, 'up', defineUp);

  const builder = configure(program.command('builder').description('Manage builds'));
  sub(builder, 'prune', defineBuilderPrune);

  const system = configure(program.command('system').description('Manage Drydock'));
  sub(system, 'df', defineSystemDf);

  return program;
}

let prepared: Command | undefined;

/** Builds the command tree ahead of use: the CLI's startup snapshot does it once, when it is made. */
export function prepareProgram(): void {
  prepared = buildProgram();
}

/** Parses and runs one command line; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // A tree holds the state of one parse, so a prepared one is used once.
  const program = prepared ?? buildProgram();
  prepared = undefined;
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; usage errors exit 125 like Docker's CLI.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return err.exitCode === 0 ? 0 : 125;
    }
    return reportError(err, readEnv().debug);
  } finally {
    closeEngine();
  }
}

