import { CliExit } from './runtime.js';

/**
 * Turns any failure into one line on stderr and an exit code; a stack trace
 * only with DRYDOCK_DEBUG=1. Engine errors carry a code; anything else is a bug.
 */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CliExit) {
    if (error.message) process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  const e = error as { name?: string; code?: string; message?: string; stack?: string };
  if (e?.name === 'DrydockError' || e?.name === 'TemplateError') {
    process.stderr.write(`Error: ${oneLine(e.message ?? '')}\n`);
  } else if (e?.code === 'EPIPE') {
    return 0;
  } else if (typeof e?.code === 'string' && e.code.startsWith('E') && e.message) {
    process.stderr.write(`Error: ${oneLine(e.message)}\n`);
  } else {
    process.stderr.write(`Error: internal error: ${oneLine(e?.message ?? String(error))}\n`);
  }
  if (debug && e?.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}

function oneLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

/**
 * Runs `fn` for each name as Docker's multi-object commands do: a failure is
 * reported as one line and the rest still run. Resolves to whether any failed.
 */
export async function eachReported(names: readonly string[], fn: (name: string) => Promise<void> | void): Promise<boolean> {
  let failed = false;
  for (const name of names) {
    try {
      await fn(name);
    } catch (err) {
      reportError(err, false);
      failed = true;
    }
  }
  return failed;
}
