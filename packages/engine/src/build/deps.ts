import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { Node } from '../dockerfile/parser/node.js';
import type { SourceTree } from './context/tree.js';
import type { ContainerConfig } from '../image/config.js';
import type { OciRuntime } from '../runtime/crun.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import type { ContentStore } from '../store/content-store.js';
import type { Db } from '../store/database.js';
import type { ImageStore, LayerRecord } from '../store/image-store.js';

/** What the builder works with; built by the Engine. */
export interface BuildDeps {
  db: Db;
  images: ImageStore;
  content: ContentStore;
  runtime: () => OciRuntime;
  /** Where RUN steps' OCI bundles are made. */
  bundleRoot: string;
  /** Where `RUN --mount=type=cache` directories live. */
  cacheMountRoot: string;
  layerDeps: { snapshotter: Snapshotter; content: ContentStore; open: (diffId: Digest) => Readable };
  /** A read-only view of an image's or stage's filesystem, for COPY --from. */
  mountLayers: (layers: LayerRecord[]) => Promise<{ kind: 'stage'; dir: string; release?: () => void }>;
  /** The cache inputs of a COPY/ADD: the content hash of its sources. */
  copyInputs: (node: Node, tree: SourceTree, expand: (w: string) => string) => Promise<unknown>;
  /** Applies a COPY/ADD to `root` from `tree` (the context, or a stage's or image's rootfs). */
  copy: (node: Node, root: string, tree: SourceTree, config: ContainerConfig, expand: (w: string) => string, add: boolean, fetch?: typeof globalThis.fetch) => Promise<void>;
}
