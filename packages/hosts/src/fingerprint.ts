/**
 * Host key fingerprints in OpenSSH's format, as `ssh-keygen -lf` and `ssh` print them:
 * `SHA256:` + unpadded base64 of the SHA-256 of the raw public key blob.
 */
import { createHash } from 'node:crypto';

export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Accepts what users paste: with or without the `SHA256:` prefix and padding. */
export function normalizeFingerprint(fingerprint: string): string {
  const body = fingerprint.trim().replace(/^SHA256:/, '').replace(/=+$/, '');
  return `SHA256:${body}`;
}
