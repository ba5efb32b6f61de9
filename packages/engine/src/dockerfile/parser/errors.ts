/**
 * Parse failures that point at Dockerfile lines. They are ordinary
 * `DrydockError('invalid-argument')` errors (branch on `code`), with the
 * location also available as fields for editors and pretty printers.
 */
import { DrydockError } from '../../errors.js';

/**
 * A syntax error in a Dockerfile. `message` is `<file>:<line>: <detail>`
 * (just `<file>: <detail>` when no line applies, e.g. an empty file);
 * `startLine`/`endLine` give the 1-based physical lines of the offending
 * instruction (0 when none).
 */
export class DockerfileParseError extends DrydockError {
  constructor(
    readonly fileName: string,
    readonly detail: string,
    readonly startLine: number,
    readonly endLine: number = startLine,
  ) {
    super('invalid-argument', `${fileName}${startLine > 0 ? `:${startLine}` : ''}: ${detail}`);
  }
}

/**
 * A syntax error not yet tied to a line (thrown by the helpers; the parser
 * turns it into a {@link DockerfileParseError}). `message` is BuildKit's text.
 */
export class UnlocatedParseError extends DrydockError {
  constructor(message: string) {
    super('invalid-argument', message);
  }
}
