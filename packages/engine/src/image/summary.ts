import type { Digest } from '../digest.js';
import { familiarName } from '../reference/index.js';
import type { ImageRecord, ImageStore, RefRecord } from '../store/image-store.js';
import { normalizeContainerConfig } from './config.js';

/** One image as `docker images` and the API's /images/json see it. */
export interface ImageSummary {
  id: Digest;
  parentId: Digest | null;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  createdMs: number;
  size: number;
  labels: Record<string, string>;
  /** Whether another image names this one as its parent (an intermediate build image). */
  hasChildren: boolean;
  /** Made by a build on the way to its result. */
  intermediate: boolean;
}

/** Every image with its names, newest first, in one pass over the store. */
export function listImages(images: ImageStore): ImageSummary[] {
  const refsByImage = new Map<Digest, RefRecord[]>();
  for (const r of images.allRefs()) {
    const list = refsByImage.get(r.imageId) ?? [];
    list.push(r);
    refsByImage.set(r.imageId, list);
  }
  const parents = images.parents();
  return images.all().map((img) => summarize(img, refsByImage.get(img.id) ?? [], parents.has(img.id)));
}

function summarize(img: ImageRecord, refs: RefRecord[], hasChildren: boolean): ImageSummary {
  const { tags, digests } = familiarRefs(refs);
  return {
    id: img.id,
    parentId: img.parent,
    repoTags: tags,
    repoDigests: digests,
    created: img.created,
    createdMs: img.createdMs,
    size: img.size,
    labels: img.labels,
    hasChildren,
    intermediate: img.intermediate,
  };
}

/** Tags as `name:tag` and digests as `name@digest`, in Docker's familiar form. */
export function familiarRefs(refs: RefRecord[]): { tags: string[]; digests: string[] } {
  const tags: string[] = [];
  const digests: string[] = [];
  for (const r of refs) {
    // The table keeps names normalized and split: no need to parse them again.
    const repo = familiarRepository(r.repository);
    if (r.digest !== null) digests.push(`${repo}@${r.digest}`);
    else tags.push(`${repo}:${r.tag ?? 'latest'}`);
  }
  return { tags, digests };
}

/** `docker image inspect`: the daemon's ImageInspect shape (API 1.41). */
export function inspectImage(images: ImageStore, id: Digest): Record<string, unknown> {
  const img = images.get(id)!;
  const config = images.config(id);
  const { tags, digests } = familiarRefs(images.refsOf(id));
  return {
    Id: id,
    RepoTags: tags,
    RepoDigests: digests,
    Parent: img.parent ?? '',
    Comment: config.comment ?? '',
    Created: config.created ?? '',
    Container: config.container ?? '',
    ContainerConfig: normalizeContainerConfig(config.container_config),
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: normalizeContainerConfig(config.config),
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    ...(config['os.version'] ? { OsVersion: config['os.version'] } : {}),
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: { Data: null, Name: 'drydock' },
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: img.lastTagMs ? new Date(img.lastTagMs).toISOString() : '0001-01-01T00:00:00Z' },
  };
}

/** `docker.io/library/ubuntu` → `ubuntu`, for a repository name already normalized. */
function familiarRepository(repository: string): string {
  const slash = repository.indexOf('/');
  return familiarName({ domain: repository.slice(0, slash), path: repository.slice(slash + 1) });
}
