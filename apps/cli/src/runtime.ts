import type { Engine, OperationContext } from '@drydock/engine';
import { readEnv } from './env.js';

/** Thrown by commands to end with a message and an exit code. */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

let engine: Engine | undefined;

/** Opens the engine on first use: `--help` and `--version` never load it. */
export async function openEngine(): Promise<{ engine: Engine; ctx: OperationContext }> {
  const env = readEnv();
  if (!engine) {
    const { Engine } = await import('@drydock/engine');
    engine = Engine.open({ root: env.root, storageDriver: storageDriverOf(env.storageDriver) });
  }
  return { engine, ctx: { actor: env.actor } };
}

function storageDriverOf(value: string | undefined): 'auto' | 'overlay' | 'copy' {
  if (value === undefined || value === 'auto') return 'auto';
  if (value === 'overlay' || value === 'overlay2') return 'overlay';
  if (value === 'copy' || value === 'vfs') return 'copy';
  throw new CliExit(`DRYDOCK_STORAGE_DRIVER must be overlay, copy or auto, not ${JSON.stringify(value)}`, 125);
}

export function closeEngine(): void {
  engine?.close();
  engine = undefined;
}

/** Prints to stdout, honouring backpressure only at exit (outputs are small). */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function err(text: string): void {
  process.stderr.write(`${text}\n`);
}
