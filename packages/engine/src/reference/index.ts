/**
 * Docker image references, parsed and normalized exactly as Docker does
 * (github.com/distribution/reference). Start with parseNormalizedNamed for
 * user input, parseDockerRef before a pull, familiarString for display.
 */
export {
  type DigestReference,
  type Reference,
  REPOSITORY_NAME_MAX_LENGTH,
  ReferenceErrorMessage,
  formatReference,
  isDigestLike,
  isFullImageId,
  isNameOnly,
  isNamed,
  name,
  parseReference,
  trimNamed,
  validateDigest,
  withDigest,
  withName,
  withTag,
} from './reference.js';
export {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  LEGACY_DEFAULT_DOMAIN,
  OFFICIAL_REPO_PREFIX,
  familiarMatch,
  familiarName,
  familiarString,
  familiarize,
  parseAnyReference,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  tagNameOnly,
} from './normalize.js';
