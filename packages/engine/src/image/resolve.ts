import { isDigest, type Digest } from '../digest.js';
import { DrydockError, isDrydockError } from '../errors.js';
import { familiarString, formatReference, isFullImageId, parseNormalizedNamed, tagNameOnly, type Reference } from '../reference/index.js';
import type { ImageStore } from '../store/image-store.js';

export interface ResolvedImage {
  id: Digest;
  /** The normalized name the image was found by; absent when found by ID. */
  ref?: Reference;
}

const HEX_PREFIX = /^(sha256:)?[a-f0-9]{1,64}$/;

/**
 * Finds an image as Docker's daemon does (GetImage): a full ID or digest
 * first, then a name (`ubuntu` → docker.io/library/ubuntu:latest), then a
 * unique ID prefix. Throws `not-found` with dockerd's "No such image" text.
 */
export function resolveImage(store: ImageStore, refOrId: string): ResolvedImage {
  const full = isFullImageId(refOrId) ? (`sha256:${refOrId}` as Digest) : isDigest(refOrId) ? refOrId : undefined;
  if (full && store.get(full)) return { id: full };

  let named: Reference | undefined;
  try {
    named = tagNameOnly(parseNormalizedNamed(refOrId));
  } catch (err) {
    if (!isDrydockError(err) || !HEX_PREFIX.test(refOrId)) throw err;
  }
  if (named) {
    const found = store.ref(formatReference(named));
    if (found) return { id: found.imageId, ref: named };
  }
  if (HEX_PREFIX.test(refOrId)) {
    const matches = store.findByPrefix(refOrId.replace(/^sha256:/, ''));
    if (matches.length === 1) return { id: matches[0]! };
    if (matches.length > 1) throw new DrydockError('invalid-argument', `image ID prefix ${refOrId} is ambiguous`);
  }
  // As dockerd's ErrImageDoesNotExist: the name as it was looked up (`nope` → `nope:latest`).
  throw new DrydockError('not-found', `No such image: ${named ? familiarString(named) : refOrId}`);
}

/** Parses a target name for tag/import/load: normalized, `latest` when no tag, no digest allowed. */
export function parseTagTarget(s: string): Reference {
  const ref = tagNameOnly(parseNormalizedNamed(s));
  if (ref.digest) throw new DrydockError('invalid-reference', `refusing to create a tag with a digest reference`);
  return ref;
}
