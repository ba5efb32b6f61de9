/** The heavy half of the container service, loaded on first use (see ContainerService). */
export { ContainerNetworks } from '../network/bridge-network.js';
export { containerFiles, readState, signalContainer, stopContainer, waitForExit } from '../runtime/container.js';
export { detectRuntime } from '../runtime/crun.js';
export { readLogs } from '../runtime/logs.js';
export { Snapshotter } from '../snapshot/snapshotter.js';
export { formatChanges } from '../snapshot/diff.js';
export { commitContainer } from './commit.js';
export { createContainer } from './create.js';
export { exportContainer } from './export.js';
export { removeContainer } from './remove.js';
export { releaseContainer, startContainer } from './start.js';
export { containerSummary, inspectJson } from './status.js';
export { execInContainer } from './exec.js';
export { mountsJson } from './volume-mounts.js';
export { reapOrphan } from './orphan.js';
