import { CliExit } from './runtime.js';

/**
 * Turns any failure into one line on stderr and an exit code; a stack trace
 * only with DRYDOCK_DEBUG=1. Engine errors carry a code; anything else is a bug.
 * The engine does what dockerd does for Docker's CLI, so its errors read as
 * Docker prints the daemon's: `Error response from daemon: …`. A template error
 * is Docker's client-side `template parsing error: …`, bare.
 */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CliExit) {
    if (error.message) process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  const e = error as { name?: string; code?: string; message?: string; stack?: string };
  if (isEngineError(e)) {
    process.stderr.write(`${DAEMON_ERROR}${oneLine(e.message ?? '')}\n`);
  } else if (e?.name === 'TemplateError') {
    process.stderr.write(`${oneLine(e.message ?? '')}\n`);
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

const DAEMON_ERROR = 'Error response from daemon: ';

/**
 * Whether `err` is the engine's DrydockError (with `code`, when given). By name and code, not
 * instanceof: commands stay free of a static import of the engine, which the ESM bundle loads on use.
 */
export function isEngineError(err: unknown, code?: string): err is Error & { code: string } {
  const e = err as { name?: string; code?: string } | null;
  return e?.name === 'DrydockError' && (code === undefined || e.code === code);
}

/** An error the CLI words itself where Docker's comes from the daemon. */
export function daemonError(message: string): CliExit {
  return new CliExit(`${DAEMON_ERROR}${message}`, 1);
}

/**
 * For the commands whose daemon errors Docker prints bare, from the progress
 * stream (`push`, `load`): runs `fn`, and reports an engine error as its message alone.
 */
export async function streamErrorsBare<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isEngineError(err)) throw new CliExit(oneLine(err.message), 1);
    throw err;
  }
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
