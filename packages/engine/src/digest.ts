import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DrydockError } from './errors.js';

/**
 * A content digest, `algorithm:hex` (OCI image-spec descriptor grammar).
 * We produce sha256 only; sha512 is accepted where others produce it.
 */
export type Digest = `${string}:${string}`;

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

export function assertDigest(s: string, what = 'digest'): Digest {
  if (!isDigest(s)) throw new DrydockError('invalid-argument', `invalid ${what}: ${JSON.stringify(s)}`);
  return s;
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function digestOf(algorithm: string, data: Uint8Array): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export function hexOf(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

export function algorithmOf(d: Digest): string {
  return d.slice(0, d.indexOf(':'));
}

/** Docker's short form: the first 12 hex characters without the algorithm. */
export function shortId(d: string): string {
  const i = d.indexOf(':');
  return (i >= 0 ? d.slice(i + 1) : d).slice(0, 12);
}

/**
 * Chain IDs identify a stack of layers (image-spec config.md):
 * ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)).
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) out.push(chainIdOf(out[out.length - 1] ?? null, d));
  return out;
}

/** The chain ID of layer `diffId` on top of the chain `parent` (null: the first layer). */
export function chainIdOf(parent: Digest | null, diffId: Digest): Digest {
  return parent === null ? diffId : sha256(`${parent} ${diffId}`);
}

/** A pass-through stream that digests and counts what flows through it. */
export class DigestingStream extends Transform {
  private readonly hash: Hash;
  bytes = 0;
  constructor(readonly algorithm: string = 'sha256') {
    super();
    this.hash = createHash(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  /** Valid once the stream has ended. */
  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}
