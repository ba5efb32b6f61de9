import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DbError } from './errors.js';

/**
 * Registry passwords at rest: AES-256-GCM with a 32-byte key the hub keeps
 * outside the database (a file in its data dir, or DRYDOCK_SECRET_KEY).
 * Stored as `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
 */
export function encryptSecret(key: Buffer, plaintext: string): string {
  checkKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function decryptSecret(key: Buffer, sealed: string): string {
  checkKey(key);
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new DbError('bad-secret', 'not a sealed secret');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new DbError('bad-secret', 'the secret does not open with this key', { cause: err });
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new DbError('bad-key', 'the secret key must be 32 bytes');
}
