/**
 * Build contexts and the content digests of COPY/ADD sources.
 * See `context.ts`, `tree.ts` and `hash.ts` for the contracts.
 */
export {
  BuildContext,
  contextFromDirectory,
  contextFromDockerfile,
  contextFromStdin,
  contextFromTar,
  type DirectoryContextOptions,
  type TarContextOptions,
} from './context.js';
export { clearHashCache, hashSources, loadHashCache, saveHashCache, type HashOptions, type InlineSource, type SourceHash, type SourceSpec } from './hash.js';
export { expandWildcards, resolveInTree, rootfsTree, walkTree, type SourceTree, type TreeEntry, type WalkVisit } from './tree.js';
