import type { ContentStore } from '../store/content-store.js';
import type { ImageStore } from '../store/image-store.js';
import type { BlobMetadata } from './blob-metadata.js';

/** The parts of the store a push or pull works on. */
export interface DistributionDeps {
  content: ContentStore;
  images: ImageStore;
  blobs: BlobMetadata;
}
