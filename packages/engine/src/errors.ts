/**
 * The engine's one error class. Callers branch on `code`, never on the message.
 * The CLI prints `message` as one line and maps the code to an exit status.
 */
export type ErrorCode =
  | 'invalid-argument' // malformed user input: a reference, a flag value, a --change line
  | 'invalid-reference' // an image reference that does not parse
  | 'not-found' // no such image, tag, container or file
  | 'conflict' // the operation would break an invariant (e.g. a multi-tag rm without -f)
  | 'invalid-archive' // a tarball that is truncated, corrupt or hostile
  | 'digest-mismatch' // content whose digest or size differs from what was promised
  | 'unsupported' // a format or feature we recognise but do not handle
  | 'io' // the filesystem or a child process failed
  | 'build-failed' // a build step's command exited non-zero
  | 'unauthorized' // a registry refused the credentials (or asked for some)
  | 'unreachable' // a registry's host does not resolve, refuses or times out
  | 'registry' // a registry answered with an error or with something malformed
  | 'cancelled' // the caller aborted the operation (OperationContext.signal)
  | 'internal';

export class DrydockError extends Error {
  override readonly name = 'DrydockError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDrydockError(err: unknown, code?: ErrorCode): err is DrydockError {
  return err instanceof DrydockError && (code === undefined || err.code === code);
}
