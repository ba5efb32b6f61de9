/**
 * COPY and ADD applied to a rootfs directory. See `copy.ts` for the contract.
 */
export { copyInto, type CopyOptions, type CopyResult } from './copy.js';
export { isArchiveFile } from './archive.js';
export { parseChmod, resolveChown, type Owner } from './owner.js';
export { isGitUrl, isHttpSource, urlFileName } from './url.js';
