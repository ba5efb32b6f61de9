/**
 * SSH keys and passwords at rest: AES-256-GCM with a random 96-bit IV per value.
 *
 * A sealed value is `dd1.` + base64url(iv ‖ tag ‖ ciphertext). An optional context (the
 * hub passes the host's id) is authenticated as additional data, so a sealed password
 * copied onto another host's record does not open. The key comes from a secret string
 * (the hub's DRYDOCK_SECRET, stretched with HKDF-SHA256) or from a key file of 32 random
 * bytes that is created with mode 0600 on first use and refused when others may read it.
 * Nothing here logs; errors never quote a secret or a key.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { HostError } from './errors.js';

export interface SecretKeySource {
  /** A secret string of at least 32 characters (DRYDOCK_SECRET). Wins over `keyFile`. */
  secret?: string;
  /** A file holding the key (base64 of 32 bytes); created with mode 0600 when missing. */
  keyFile?: string;
}

const PREFIX = 'dd1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromSource(source: SecretKeySource): SecretBox {
    if (source.secret !== undefined) return SecretBox.fromSecret(source.secret);
    if (source.keyFile !== undefined) return new SecretBox(readOrCreateKeyFile(source.keyFile));
    throw new HostError('secret-key-invalid', 'no secret key configured: set a secret or a key file');
  }

  /** A raw 32-byte key, such as the one the hub already seals registry passwords with. */
  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new HostError('secret-key-invalid', `the key must be 32 bytes (got ${key.length})`);
    return new SecretBox(Buffer.from(key));
  }

  static fromSecret(secret: string): SecretBox {
    if (secret.length < 32) throw new HostError('secret-key-invalid', 'the secret must be at least 32 characters long');
    return new SecretBox(Buffer.from(hkdfSync('sha256', secret, 'drydock', 'drydock secrets v1', 32)));
  }

  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(sealed: string, context = ''): string {
    if (!sealed.startsWith(PREFIX) || !/^[A-Za-z0-9_-]+$/.test(sealed.slice(PREFIX.length))) {
      throw new HostError('secret-invalid', 'not a sealed secret (expected dd1.…)');
    }
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new HostError('secret-invalid', 'sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new HostError('secret-invalid', 'sealed secret failed authentication (tampered, or sealed with another key or for another record)', { cause: err });
    }
  }
}

function readOrCreateKeyFile(path: string): Buffer {
  try {
    return readKeyFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Written whole under a temporary name, then linked into place: a reader never sees a
  // half-written key, and when two processes race, both end up with the one that won.
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readKeyFile(path);
}

function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) throw new HostError('secret-key-invalid', `key file ${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new HostError('secret-key-invalid', `key file ${path} does not hold a 32-byte base64 key`);
  return key;
}
