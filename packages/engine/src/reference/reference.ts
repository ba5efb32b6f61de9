/**
 * Image reference grammar and strict (non-normalizing) parsing.
 *
 * The rules are those of github.com/distribution/reference, the package the
 * Docker CLI and daemon use, together with the digest checks of
 * github.com/opencontainers/go-digest v1.0.0 that it delegates to. We match
 * them behaviour for behaviour, error text included: users paste references
 * that Docker accepts (or rejects) and expect the same answer from us.
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [ domain "/" ] remote-name
 *   domain           := host [ ":" port-number ]
 *   host             := domain-name | "[" IPv6address "]"
 *   domain-name      := domain-component [ "." domain-component ]*
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   remote-name      := path-component [ "/" path-component ]*
 *   path-component   := /[a-z0-9]+/ [ separator /[a-z0-9]+/ ]*
 *   separator        := /[_.]|__|[-]+/
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := algorithm ":" /[0-9a-fA-F]{32,}/
 *   algorithm        := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*\/
 *   identifier       := /[a-f0-9]{64}/
 */
import { DrydockError } from '../errors.js';

/**
 * A parsed reference. `domain` is '' when the string named none (strict
 * parsing never invents one; normalization fills in docker.io). `tag` and
 * `digest` are absent, never '', when not given.
 */
export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** A bare content address: what parseAnyReference returns for an image ID or digest. */
export interface DigestReference {
  digest: string;
}

/** Longest repository path (domain excluded) that Docker accepts. */
export const REPOSITORY_NAME_MAX_LENGTH = 255;

/** The exact texts distribution/reference and go-digest use, so tests and callers can compare. */
export const ReferenceErrorMessage = {
  invalidFormat: 'invalid reference format',
  invalidTagFormat: 'invalid tag format',
  invalidDigestFormat: 'invalid digest format',
  nameContainsUppercase: 'repository name must be lowercase',
  nameEmpty: 'repository name must have at least one component',
  nameTooLong: `repository name must not be more than ${REPOSITORY_NAME_MAX_LENGTH} characters`,
  nameNotCanonical: 'repository name must be canonical',
  checksumInvalidFormat: 'invalid checksum digest format',
  checksumInvalidLength: 'invalid checksum digest length',
  checksumUnsupported: 'unsupported digest algorithm',
} as const;

/** Every reference problem is the same error class and code; the message says which rule broke. */
export function referenceError(message: string): never {
  throw new DrydockError('invalid-reference', message);
}

// --- grammar -----------------------------------------------------------------
// Built from small pieces so each production reads like the grammar above.
// JavaScript and Go's RE2 both pick the leftmost-first submatch, so the
// captures below split strings exactly where Go does.

const join = (parts: string[]): string => parts.join('');
const group = (...parts: string[]): string => `(?:${join(parts)})`;
const optional = (...parts: string[]): string => `(?:${join(parts)})?`;
const repeated = (...parts: string[]): string => `(?:${join(parts)})*`;
const capture = (...parts: string[]): string => `(${join(parts)})`;
const anchored = (...parts: string[]): RegExp => new RegExp(`^${join(parts)}$`);

const alphaNumeric = '[a-z0-9]+';
// One '.', one or two '_', or any run of '-' (so hostnames work as path components).
const separator = '(?:[._]|__|-+)';
const pathComponent = alphaNumeric + repeated(separator, alphaNumeric);
const remoteName = pathComponent + repeated('/', pathComponent);

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = domainComponent + repeated('\\.', domainComponent);
// Compressed or full IPv6 only; zone IDs ("%eth0") and dotted IPv4 tails are not accepted.
const ipv6Address = '\\[[a-fA-F0-9:]+\\]';
const domainAndPort = group(domainName, '|', ipv6Address) + optional(':[0-9]+');
const namePattern = optional(domainAndPort, '/') + remoteName;

// Go's \w is ASCII-only, as is JavaScript's without the u flag.
const tagPattern = '[\\w][\\w.-]{0,127}';
const algorithmComponent = '[A-Za-z][A-Za-z0-9]*';
const digestPattern = algorithmComponent + repeated('[-_+.]', algorithmComponent) + ':[0-9a-fA-F]{32,}';

const referenceRegExp = anchored(capture(namePattern), optional(':', capture(tagPattern)), optional('@', capture(digestPattern)));
const nameRegExp = anchored(optional(capture(domainAndPort), '/'), capture(remoteName));
const tagRegExp = anchored(tagPattern);
const digestRegExp = anchored(digestPattern);
const identifierRegExp = anchored('[a-f0-9]{64}');

// go-digest's own, looser, shape check: it only decides whether an unknown
// algorithm is reported as "unsupported" or as "invalid format".
const goDigestRegExp = anchored('[a-z0-9]+', repeated('[.+_-][a-z0-9]+'), ':[a-zA-Z0-9=_-]+');

// The algorithms go-digest v1.0.0 knows, with their hex lengths. All three are
// usable in Docker's binaries (they link crypto/sha512, which provides sha384 too).
const digestHexLength: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

// --- digests and identifiers --------------------------------------------------

/** True when `s` fits the reference grammar's digest production (algorithm:hex, 32+ hex digits). */
export function isDigestLike(s: string): boolean {
  return digestRegExp.test(s);
}

/**
 * Validates a digest the way go-digest's Digest.Validate does and returns it.
 * Throws "invalid checksum digest format", "unsupported digest algorithm" or
 * "invalid checksum digest length".
 */
export function validateDigest(digest: string): string {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon === digest.length - 1) referenceError(ReferenceErrorMessage.checksumInvalidFormat);
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const hexLength = digestHexLength.get(algorithm);
  if (hexLength === undefined) {
    referenceError(
      goDigestRegExp.test(digest) ? ReferenceErrorMessage.checksumUnsupported : ReferenceErrorMessage.checksumInvalidFormat,
    );
  }
  // Go measures length in bytes; the length test comes before the hex test.
  if (Buffer.byteLength(encoded, 'utf8') !== hexLength) referenceError(ReferenceErrorMessage.checksumInvalidLength);
  if (!/^[a-f0-9]+$/.test(encoded)) referenceError(ReferenceErrorMessage.checksumInvalidFormat);
  return digest;
}

/** True for a full image ID: exactly 64 lowercase hex digits (a sha256 without its prefix). */
export function isFullImageId(s: string): boolean {
  return identifierRegExp.test(s);
}

/**
 * Go's strings.ToLower. It uses Unicode's simple case mapping, which differs
 * from JavaScript's full mapping in one way that can matter here: U+0130
 * (capital I with dot) lowers to a plain ASCII 'i' rather than "i\u0307".
 */
export function goToLower(s: string): string {
  return s.replace(/\u0130/g, 'i').toLowerCase();
}

// --- parsing ------------------------------------------------------------------

function makeReference(domain: string, path: string, tag: string | undefined, digest: string | undefined): Reference {
  const ref: Reference = { domain, path };
  if (tag) ref.tag = tag;
  if (digest) ref.digest = digest;
  return ref;
}

/** Splits a name that already matched the grammar into domain and path (Go's splitDomain). */
function splitDomain(nameString: string): { domain: string; path: string } {
  const match = nameRegExp.exec(nameString);
  if (match === null) return { domain: '', path: nameString };
  return { domain: match[1] ?? '', path: match[2] ?? '' };
}

/**
 * Strict parse (Go's reference.Parse): no docker.io or library/ defaults, so
 * "ubuntu" has domain '' and path "ubuntu", and "foo:5000" is the name "foo"
 * with tag "5000" (a domain needs a following "/").
 */
export function parseReference(s: string): Reference {
  if (s === '') referenceError(ReferenceErrorMessage.nameEmpty);
  const match = referenceRegExp.exec(s);
  if (match === null) {
    // If only the case is wrong, say so rather than "invalid reference format".
    const lower = goToLower(s);
    const onlyCase = lower !== s && referenceRegExp.test(lower);
    referenceError(onlyCase ? ReferenceErrorMessage.nameContainsUppercase : ReferenceErrorMessage.invalidFormat);
  }
  const { domain, path } = splitDomain(match[1] ?? '');
  if (path.length > REPOSITORY_NAME_MAX_LENGTH) referenceError(ReferenceErrorMessage.nameTooLong);
  const digest = match[3];
  if (digest) validateDigest(digest);
  return makeReference(domain, path, match[2], digest);
}

/** A name with no tag or digest (Go's WithName). */
export function withName(nameString: string): Reference {
  const match = nameRegExp.exec(nameString);
  if (match === null) referenceError(ReferenceErrorMessage.invalidFormat);
  const path = match[2] ?? '';
  if (path.length > REPOSITORY_NAME_MAX_LENGTH) referenceError(ReferenceErrorMessage.nameTooLong);
  return { domain: match[1] ?? '', path };
}

/** Replaces the tag, keeping any digest (Go's WithTag). */
export function withTag(ref: Reference, tag: string): Reference {
  if (!tagRegExp.test(tag)) referenceError(ReferenceErrorMessage.invalidTagFormat);
  return makeReference(ref.domain, ref.path, tag, ref.digest);
}

/**
 * Replaces the digest, keeping any tag (Go's WithDigest). Like Go, only the
 * grammar is checked here, not the algorithm or length.
 */
export function withDigest(ref: Reference, digest: string): Reference {
  if (!digestRegExp.test(digest)) referenceError(ReferenceErrorMessage.invalidDigestFormat);
  return makeReference(ref.domain, ref.path, ref.tag, digest);
}

/** Drops tag and digest (Go's TrimNamed). */
export function trimNamed(ref: Reference): Reference {
  return { domain: ref.domain, path: ref.path };
}

/** True when the reference has neither tag nor digest (Go's IsNameOnly). */
export function isNameOnly(ref: Reference): boolean {
  return !ref.tag && !ref.digest;
}

/** True for a named reference, false for a bare digest from parseAnyReference. */
export function isNamed(ref: Reference | DigestReference): ref is Reference {
  return 'path' in ref;
}

// --- formatting ---------------------------------------------------------------

/** The repository name: "docker.io/library/ubuntu", or just the path when there is no domain. */
export function name(ref: Reference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** The full string, name[:tag][@digest]; a bare digest formats as itself. */
export function formatReference(ref: Reference | DigestReference): string {
  if (!isNamed(ref)) return ref.digest;
  let s = name(ref);
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}
