export type DbErrorCode = 'migration-failed' | 'connect-failed' | 'bad-secret' | 'bad-key';

/** The db package's one error class; callers check `code`, never the message. */
export class DbError extends Error {
  constructor(
    readonly code: DbErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DbError';
  }
}
