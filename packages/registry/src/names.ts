/**
 * The grammar of the distribution spec: repository names, tags and digests.
 * Every parser here throws a RegistryError with the spec's code on bad input and never
 * returns a value that could escape the storage root when used as a path segment.
 */
import { RegistryError } from './errors.js';

/** `<name>`: path components of lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const NAME_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** `<reference>` as a tag. */
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** `<digest>`: `algorithm:encoded` (the spec's general form). */
const DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Longest repository name accepted (distribution's limit, which clients share). */
export const MAX_NAME_LENGTH = 255;

/** The digest algorithms this registry can verify, with the length of their hex encoding. */
export const ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type Algorithm = keyof typeof ALGORITHMS;

/** A parsed, verified-shape digest: `sha256:<64 hex>` or `sha512:<128 hex>`. */
export interface Digest {
  readonly algorithm: Algorithm;
  readonly hex: string;
  /** The canonical string form, `algorithm:hex`. */
  readonly value: string;
}

export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

/** Validates a repository name; throws `name-invalid`. */
export function parseName(name: string): string {
  if (!isValidName(name)) throw new RegistryError('name-invalid', 'invalid repository name', { name });
  return name;
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Validates a tag; throws `tag-invalid`. */
export function parseTag(tag: string): string {
  if (!isValidTag(tag)) throw new RegistryError('tag-invalid', 'manifest tag did not match the tag grammar', { tag });
  return tag;
}

/** Parses a digest this registry can verify; throws `digest-invalid` (also for unknown algorithms). */
export function parseDigest(value: string): Digest {
  const parsed = tryParseDigest(value);
  if (!parsed) throw new RegistryError('digest-invalid', 'invalid or unsupported digest', { digest: value });
  return parsed;
}

/** Like parseDigest, but returns undefined instead of throwing. */
export function tryParseDigest(value: string): Digest | undefined {
  if (!DIGEST_RE.test(value)) return undefined;
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
  if (hex.length !== ALGORITHMS[algorithm] || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex, value };
}

/** True when `value` has the general digest shape (it may still use an algorithm we lack). */
export function looksLikeDigest(value: string): boolean {
  return value.includes(':') && DIGEST_RE.test(value);
}

/** A manifest reference: a tag, or a digest. */
export type Reference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

/** Parses `<reference>` from a manifests URL: a digest when it contains `:`, else a tag. */
export function parseReference(value: string): Reference {
  if (value.includes(':')) return { kind: 'digest', digest: parseDigest(value) };
  return { kind: 'tag', tag: parseTag(value) };
}
