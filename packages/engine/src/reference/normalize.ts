/**
 * Docker's "familiar" names and their canonical forms: "ubuntu" is short for
 * "docker.io/library/ubuntu", "index.docker.io/x/y" is "docker.io/x/y", and
 * the familiar form strips those defaults again for display. Follows
 * normalize.go and helpers.go of github.com/distribution/reference.
 */
import { DrydockError } from '../errors.js';
import {
  type DigestReference,
  type Reference,
  ReferenceErrorMessage,
  formatReference,
  goToLower,
  isFullImageId,
  isNamed,
  isNameOnly,
  name,
  parseReference,
  referenceError,
  validateDigest,
  withTag,
} from './reference.js';

/** Docker Hub's canonical domain (the registry itself answers at registry-1.docker.io). */
export const DEFAULT_DOMAIN = 'docker.io';
/** The old "Docker Index" domain, still accepted and rewritten to docker.io. */
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** Namespace of Docker Hub's official images. */
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';

/**
 * Decides whether the first "/"-separated element is a registry host. It is
 * when it is "localhost", contains "." or ":", or has uppercase letters (which
 * a Hub namespace cannot). Otherwise the whole string is a Docker Hub path,
 * and a single-element Hub path gets the "library/" namespace.
 */
function splitDockerDomain(s: string): { domain: string; remainder: string } {
  const slash = s.indexOf('/');
  if (slash < 0) {
    // A lone element ("ubuntu", "ubuntu:22.04") is always a Hub official image,
    // never "host:port" -- even "localhost" or "example.com" on their own.
    return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_REPO_PREFIX + s };
  }
  const first = s.slice(0, slash);
  const rest = s.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (first === 'localhost') {
    [domain, remainder] = [first, rest];
  } else if (first === LEGACY_DEFAULT_DOMAIN) {
    [domain, remainder] = [DEFAULT_DOMAIN, rest];
  } else if (first.includes('.') || first.includes(':')) {
    [domain, remainder] = [first, rest];
  } else if (goToLower(first) !== first) {
    [domain, remainder] = [first, rest];
  } else {
    [domain, remainder] = [DEFAULT_DOMAIN, s];
  }
  // "docker.io/ubuntu" means the official image; other registries have no such rule.
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * Parses what a user types (Go's ParseNormalizedNamed): "ubuntu" becomes
 * docker.io/library/ubuntu. A 64-hex string is refused because it would be an
 * image ID; use parseAnyReference where either is acceptable.
 */
export function parseNormalizedNamed(s: string): Reference {
  if (isFullImageId(s)) {
    referenceError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(s);
  // Docker names the offending repository here, unlike the strict parser.
  const colon = remainder.indexOf(':');
  const remote = colon < 0 ? remainder : remainder.slice(0, colon);
  if (goToLower(remote) !== remote) {
    referenceError(`${ReferenceErrorMessage.invalidFormat}: repository name (${remote}) must be lowercase`);
  }
  return parseReference(`${domain}/${remainder}`);
}

/** Like parseNormalizedNamed, but the input must already be the canonical string (Go's ParseNamed). */
export function parseNamed(s: string): Reference {
  const ref = parseNormalizedNamed(s);
  if (formatReference(ref) !== s) referenceError(ReferenceErrorMessage.nameNotCanonical);
  return ref;
}

/** Adds the "latest" tag when the reference has neither tag nor digest (Go's TagNameOnly). */
export function tagNameOnly(ref: Reference): Reference {
  return isNameOnly(ref) ? withTag(ref, DEFAULT_TAG) : ref;
}

/**
 * Normalizes the way Docker does before pulling (Go's ParseDockerRef): a
 * name-only reference gets ":latest", and a reference with both a tag and a
 * digest keeps only the digest, which is what the registry is asked for.
 */
export function parseDockerRef(s: string): Reference {
  const ref = parseNormalizedNamed(s);
  if (ref.tag && ref.digest) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return tagNameOnly(ref);
}

/**
 * Accepts an image ID (64 hex, taken as sha256), a full digest, or a familiar
 * name (Go's ParseAnyReference).
 */
export function parseAnyReference(s: string): Reference | DigestReference {
  if (isFullImageId(s)) return { digest: `sha256:${s}` };
  try {
    return { digest: validateDigest(s) };
  } catch {
    // Not a digest: fall through to a name, whose error is the one worth reporting.
  }
  return parseNormalizedNamed(s);
}

/**
 * The reference with Docker Hub defaults removed: docker.io goes, and so does
 * "library/" when exactly one path element follows it ("library/a/b" keeps it,
 * since dropping it would change the meaning).
 */
export function familiarize(ref: Reference): Reference {
  if (ref.domain !== DEFAULT_DOMAIN) return { ...ref };
  let path = ref.path;
  if (path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) path = rest;
  }
  return { ...ref, domain: '', path };
}

/** "ubuntu", "dmcgowan/myapp", "localhost:5000/foo": the name as `docker images` shows it. */
export function familiarName(ref: Reference): string {
  return name(familiarize(ref));
}

/** The full familiar string, e.g. "ubuntu:latest"; a bare digest is returned unchanged. */
export function familiarString(ref: Reference | DigestReference): string {
  return isNamed(ref) ? formatReference(familiarize(ref)) : ref.digest;
}

/**
 * Matches a reference against a Go path.Match glob (as `docker images
 * --filter reference=...` does): first the familiar string, then the
 * familiar name. A malformed pattern throws "syntax error in pattern".
 */
export function familiarMatch(pattern: string, ref: Reference | DigestReference): boolean {
  const glob = compileGlob(pattern);
  if (glob(familiarString(ref))) return true;
  return isNamed(ref) && glob(familiarName(ref));
}

// --- Go path.Match ------------------------------------------------------------
// '*' is any run of non-'/' characters, '?' one non-'/' character, '[...]' a
// class ('^' negates, 'a-z' ranges, '\' escapes, may match '/'), '\c' a
// literal c. Go splits the pattern into star-free chunks and places each chunk
// at the earliest position its leading star allows, never revisiting earlier
// chunks; we keep that strategy, since full backtracking would match strings
// Go does not. Go reports a malformed pattern even when matching fails first,
// so validating everything up front gives the same answers.

type GlobToken = { kind: 'any' } | { kind: 'char'; c: string } | { kind: 'class'; negated: boolean; ranges: [number, number][] };
type GlobChunk = { star: boolean; tokens: GlobToken[] };

function badPattern(): never {
  throw new DrydockError('invalid-argument', 'syntax error in pattern');
}

function compileGlob(pattern: string): (s: string) => boolean {
  const p = Array.from(pattern);
  const chunks: GlobChunk[] = [];
  let i = 0;
  // One class item character: '-' and ']' need escaping, and something must follow.
  const classChar = (): number => {
    let c = p[i];
    if (c === undefined || c === '-' || c === ']') badPattern();
    if (c === '\\') c = p[++i];
    if (c === undefined || i + 1 >= p.length) badPattern();
    i++;
    return c.codePointAt(0) ?? 0;
  };
  while (i < p.length) {
    const chunk: GlobChunk = { star: false, tokens: [] };
    for (; p[i] === '*'; i++) chunk.star = true;
    for (let c = p[i]; c !== undefined && c !== '*'; c = p[i]) {
      if (c === '?') {
        chunk.tokens.push({ kind: 'any' });
        i++;
      } else if (c === '[') {
        i++;
        const negated = p[i] === '^';
        if (negated) i++;
        const ranges: [number, number][] = [];
        while (!(p[i] === ']' && ranges.length > 0)) {
          const lo = classChar();
          let hi = lo;
          if (p[i] === '-') {
            i++;
            hi = classChar();
          }
          ranges.push([lo, hi]);
        }
        i++; // the closing ']'
        chunk.tokens.push({ kind: 'class', negated, ranges });
      } else {
        if (c === '\\') {
          c = p[++i];
          if (c === undefined) badPattern();
        }
        chunk.tokens.push({ kind: 'char', c });
        i++;
      }
    }
    chunks.push(chunk);
  }
  return (s) => matchChunks(chunks, Array.from(s));
}

/** Where `tokens` matched starting at `pos` ends, or -1. */
function matchTokens(tokens: GlobToken[], s: string[], pos: number): number {
  for (const token of tokens) {
    const c = s[pos++];
    if (c === undefined) return -1;
    if (token.kind === 'any' && c === '/') return -1;
    if (token.kind === 'char' && c !== token.c) return -1;
    if (token.kind === 'class') {
      const cp = c.codePointAt(0) ?? 0;
      if (token.ranges.some(([lo, hi]) => lo <= cp && cp <= hi) === token.negated) return -1;
    }
  }
  return pos;
}

function matchChunks(chunks: GlobChunk[], s: string[]): boolean {
  let pos = 0;
  for (const [index, { star, tokens }] of chunks.entries()) {
    const last = index === chunks.length - 1;
    // A trailing star takes the rest, provided it stays within one path element.
    if (star && tokens.length === 0) return !s.slice(pos).includes('/');
    // The last chunk must also reach the end of the string.
    const fits = (end: number): boolean => end >= 0 && (!last || end === s.length);
    let end = matchTokens(tokens, s, pos);
    if (!fits(end) && star) {
      for (let skip = pos; skip < s.length && s[skip] !== '/' && !fits(end); skip++) {
        end = matchTokens(tokens, s, skip + 1);
      }
    }
    if (!fits(end)) return false;
    pos = end;
  }
  return pos === s.length;
}
