import type { ContentStore } from '../store/content-store.js';
import type { ImageStore } from '../store/image-store.js';
import type { ContainerNetworks } from '../network/bridge-network.js';
import type { OciRuntime } from '../runtime/crun.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import type { VolumeStore } from '../volume/volume-store.js';
import type { ContainerStore } from './container-store.js';
import type { containerPaths } from './paths.js';

/** What the container operations work with; built once by the Engine. */
export interface ContainerDeps {
  images: ImageStore;
  content: ContentStore;
  containers: ContainerStore;
  snapshotter: Snapshotter;
  networks: ContainerNetworks;
  volumes: VolumeStore;
  runtime: () => OciRuntime;
  paths: ReturnType<typeof containerPaths>;
}
