/**
 * Container snapshots: layer unpacking (root-confined, OCI whiteouts), the
 * overlay snapshotter, and `docker diff` / commit layers from an upper dir.
 */
export { unpackLayer, WHITEOUT_PREFIX, OPAQUE_MARKER, type UnpackOptions, type UnpackResult, type WhiteoutMode } from './unpack.js';
export { Snapshotter, type ActiveInfo, type LayerSource, type MountPlan, type Owner, type SnapshotterOptions } from './snapshotter.js';
export { changes, formatChanges, upperToLayerTar, type Change, type ChangeKind, type DiffOptions } from './diff.js';
export { LowerStack, isWhiteout, readOpaqueDirs, type LowerLayer } from './lower.js';
export { performMount, performUnmount, isMountPoint, mountsUnder, overlaySupported, type Mount } from './mount.js';
