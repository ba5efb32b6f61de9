import { shortId, type Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import { emit, type OperationContext } from '../events.js';
import { familiarString, formatReference, parseNormalizedNamed } from '../reference/index.js';
import type { ImageStore, RefRecord } from '../store/image-store.js';
import { resolveImage } from './resolve.js';

export type RemoveRecord = { untagged: string } | { deleted: string };

/** The containers created from an image, and whether each is running. */
export type ContainerUsers = (imageId: Digest) => { id: string; running: boolean }[];

/**
 * `docker image rm`, with the daemon's rules (image_delete.go):
 * - By name: untag it; the image goes only when no name is left.
 * - By ID: allowed when at most one tag and one repository refer to it (those
 *   names go too); otherwise a soft conflict, "referenced in multiple
 *   repositories", unless forced.
 * - Never while another image depends on it (a hard conflict).
 * - Deleting an image also deletes its untagged parents that nothing else uses.
 */
export function removeImage(
  images: ImageStore,
  ctx: OperationContext,
  refOrId: string,
  opts: { force?: boolean; prune?: boolean; containers?: ContainerUsers } = {},
): RemoveRecord[] {
  const force = opts.force ?? false;
  const users = opts.containers ?? (() => []);
  const records: RemoveRecord[] = [];
  const { id, ref } = resolveImage(images, refOrId);
  const user = users(id)[0];
  if (ref && user && !force && images.refsOf(id).length === 1) {
    throw new DrydockError(
      'conflict',
      `conflict: unable to remove repository reference "${refOrId}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(id)}`,
    );
  }

  if (ref) {
    const remaining = images.transaction(() => {
      const refs = images.refsOf(id);
      const byName = refs.find((r) => r.name === formatReference(ref));
      if (byName) untag(images, ctx, byName, records);
      let left = images.refsOf(id);
      // A tag gone and no other tag of that repository left: its digests go too.
      if (byName?.tag != null && !left.some((r) => r.tag !== null && r.repository === byName.repository)) {
        for (const r of left.filter((r) => r.digest !== null && r.repository === byName.repository)) untag(images, ctx, r, records);
        left = images.refsOf(id);
      }
      return left;
    });
    if (remaining.length > 0) return records;
  } else {
    images.transaction(() => {
      const refs = images.refsOf(id);
      if (isSingleReference(refs)) for (const r of refs) untag(images, ctx, r, records);
    });
  }
  deleteWithParents(images, ctx, id, force, opts.prune ?? true, records, users);
  return records;
}

function deleteWithParents(images: ImageStore, ctx: OperationContext, id: Digest, force: boolean, prune: boolean, records: RemoveRecord[], users: ContainerUsers): void {
  const parent = images.get(id)?.parent ?? null;
  const containers = users(id);
  const running = containers.find((c) => c.running);
  if (running) throw conflict(id, true, `image is being used by running container ${shortId(running.id)}`);
  if (containers[0] && !force) throw conflict(id, false, `image is being used by stopped container ${shortId(containers[0].id)}`);
  const released = images.delete(id, () => {
    if (images.children(id).length > 0) throw conflict(id, true, 'image has dependent child images');
    const refs = images.refsOf(id);
    if (refs.length > 0 && !force) throw conflict(id, false, 'image is referenced in multiple repositories');
    for (const r of refs) records.push({ untagged: familiarString(parseNormalizedNamed(r.name)) });
  });
  records.push({ deleted: id });
  for (const chain of released) records.push({ deleted: chain });
  emit(ctx, { type: 'engine:image:deleted', id });
  // Docker prunes untagged parents quietly: any conflict just stops the walk.
  if (prune && parent && images.get(parent) && images.refsOf(parent).length === 0 && images.children(parent).length === 0) {
    try {
      deleteWithParents(images, ctx, parent, false, true, records, users);
    } catch {
      // A parent still in use stays.
    }
  }
}

/** At most one tag, and every name within one repository (Docker's isSingleReference). */
function isSingleReference(refs: RefRecord[]): boolean {
  const tags = refs.filter((r) => r.tag !== null);
  return tags.length <= 1 && new Set(refs.map((r) => r.repository)).size <= 1;
}

function untag(images: ImageStore, ctx: OperationContext, r: RefRecord, records: RemoveRecord[]): void {
  if (!images.untag(r.name)) return;
  const familiar = familiarString(parseNormalizedNamed(r.name));
  records.push({ untagged: familiar });
  emit(ctx, { type: 'engine:image:untagged', id: r.imageId, ref: familiar });
}

function conflict(id: Digest, hard: boolean, message: string): DrydockError {
  return new DrydockError('conflict', `conflict: unable to delete ${shortId(id)} (${hard ? 'cannot' : 'must'} be forced) - ${message}`);
}
