import type { Engine } from '@drydock/engine';
import type { ContainerSummary, ImageSummary, InventoryDelta, InventoryFull } from '@drydock/protocol';

/** Images and containers of the local store, in the protocol's shape. */
export async function readInventory(engine: Engine): Promise<InventoryFull> {
  const images: ImageSummary[] = engine.list().map((i) => ({
    id: i.id,
    parentId: i.parentId,
    repoTags: i.repoTags,
    repoDigests: i.repoDigests,
    created: i.created,
    size: i.size,
    labels: i.labels,
    intermediate: i.intermediate,
  }));
  const containers: ContainerSummary[] = (await engine.containers.list({ all: true })).map((c) => ({
    id: c.record.id,
    name: c.record.name,
    image: c.record.imageName,
    imageId: c.record.imageId,
    command: [...(c.record.config.Entrypoint ?? []), ...(c.record.config.Cmd ?? [])].join(' '),
    createdMs: c.record.createdMs,
    status: c.status,
    exitCode: c.exitCode,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    ports: c.record.hostConfig.publish,
  }));
  return { images, containers };
}

/** What changed from `before` to `after`, or null when nothing did. */
export function inventoryDelta(before: InventoryFull, after: InventoryFull): InventoryDelta | null {
  const images = diffById(before.images, after.images);
  const containers = diffById(before.containers, after.containers);
  const empty = (d: { upsert: unknown[]; remove: unknown[] }) => d.upsert.length === 0 && d.remove.length === 0;
  return empty(images) && empty(containers) ? null : { images, containers };
}

function diffById<T extends { id: string }>(before: T[], after: T[]): { upsert: T[]; remove: T['id'][] } {
  const old = new Map(before.map((x) => [x.id, JSON.stringify(x)]));
  const now = new Set(after.map((x) => x.id));
  return {
    upsert: after.filter((x) => old.get(x.id) !== JSON.stringify(x)),
    remove: before.filter((x) => !now.has(x.id)).map((x) => x.id),
  };
}
