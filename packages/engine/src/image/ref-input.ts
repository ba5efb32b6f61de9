import { formatReference, name, type Reference } from '../reference/index.js';
import type { RefInput } from '../store/image-store.js';

/** The row a normalized reference becomes in the refs table. */
export function refInput(ref: Reference): RefInput {
  return {
    name: formatReference(ref),
    repository: name(ref),
    ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
    ...(ref.digest !== undefined ? { digest: ref.digest } : {}),
  };
}
