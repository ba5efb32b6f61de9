import { randomBytes } from 'node:crypto';
import { DrydockError } from '../errors.js';

/** Docker's rule for local volume names (volume/local's validName). */
const VALID_VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Throws `invalid-argument` with dockerd's text unless `name` is a valid local volume name. */
export function validateVolumeName(name: string): void {
  if (name.length === 1) {
    throw new DrydockError('invalid-argument', `create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
  }
  if (!VALID_VOLUME_NAME.test(name)) {
    throw new DrydockError(
      'invalid-argument',
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** An anonymous volume's name: 64 random hex digits, as Docker's. */
export function anonymousVolumeName(): string {
  return randomBytes(32).toString('hex');
}
