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
    engine = Engine.open({ root: env.root });
  }
  return { engine, ctx: { actor: env.actor } };
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
