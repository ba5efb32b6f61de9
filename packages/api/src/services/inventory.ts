import type { Prisma } from '@drydock/db';
import type { ContainerSummary, ImageSummary, InventoryDelta, InventoryFull } from '@drydock/protocol';

const imageRow = (hostId: string, i: ImageSummary) => ({
  hostId,
  imageId: i.id,
  parentId: i.parentId,
  repoTags: i.repoTags,
  repoDigests: i.repoDigests,
  created: i.created,
  size: BigInt(i.size),
  labels: i.labels,
  intermediate: i.intermediate,
});

const containerRow = (hostId: string, c: ContainerSummary) => ({
  hostId,
  containerId: c.id,
  name: c.name,
  image: c.image,
  imageId: c.imageId,
  command: c.command,
  createdMs: BigInt(c.createdMs),
  status: c.status,
  exitCode: c.exitCode,
  startedAt: c.startedAt,
  finishedAt: c.finishedAt,
  ports: c.ports,
});

/** Replaces a host's inventory with what its agent reported. */
export async function replaceInventory(prisma: Prisma, hostId: string, inv: InventoryFull): Promise<void> {
  await prisma.$transaction([
    prisma.image.deleteMany({ where: { hostId } }),
    prisma.container.deleteMany({ where: { hostId } }),
    prisma.image.createMany({ data: inv.images.map((i) => imageRow(hostId, i)) }),
    prisma.container.createMany({ data: inv.containers.map((c) => containerRow(hostId, c)) }),
  ]);
}

export async function applyInventoryDelta(prisma: Prisma, hostId: string, d: InventoryDelta): Promise<void> {
  await prisma.$transaction([
    prisma.image.deleteMany({ where: { hostId, imageId: { in: [...d.images.remove, ...d.images.upsert.map((i) => i.id)] } } }),
    prisma.container.deleteMany({ where: { hostId, containerId: { in: [...d.containers.remove, ...d.containers.upsert.map((c) => c.id)] } } }),
    prisma.image.createMany({ data: d.images.upsert.map((i) => imageRow(hostId, i)) }),
    prisma.container.createMany({ data: d.containers.upsert.map((c) => containerRow(hostId, c)) }),
  ]);
}

/**
 * Images across hosts (or one), newest first, with the host's name, at most
 * `take` (default 1,000); `search` matches part of a tag or the id, in SQL.
 */
export async function listImages(prisma: Prisma, opts: { hostId?: string | undefined; search?: string | undefined; all?: boolean | undefined; take?: number | undefined }) {
  const search = opts.search?.trim();
  let ids: string[] | undefined;
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const found = await prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM "Image" WHERE "imageId" LIKE ${pattern} OR array_to_string("repoTags", ' ') LIKE ${pattern}`;
    ids = found.map((r) => r.id);
  }
  const rows = await prisma.image.findMany({
    where: {
      ...(ids ? { id: { in: ids } } : {}),
      ...(opts.hostId ? { hostId: opts.hostId } : {}),
      ...(opts.all ? {} : { intermediate: false }),
    },
    include: { host: { select: { name: true } } },
    orderBy: { created: 'desc' },
    take: opts.take ?? 1000,
  });
  return rows.map((r) => ({
      hostId: r.hostId,
      host: r.host.name,
      id: r.imageId,
      repoTags: r.repoTags,
      repoDigests: r.repoDigests,
      created: r.created,
      size: Number(r.size),
      labels: r.labels as Record<string, string>,
    }));
}

export async function listContainers(prisma: Prisma, opts: { hostId?: string | undefined }) {
  const rows = await prisma.container.findMany({
    where: opts.hostId ? { hostId: opts.hostId } : {},
    include: { host: { select: { name: true } } },
    orderBy: { createdMs: 'desc' },
  });
  return rows.map((r) => ({
    hostId: r.hostId,
    host: r.host.name,
    id: r.containerId,
    name: r.name,
    image: r.image,
    imageId: r.imageId,
    command: r.command,
    created: Number(r.createdMs),
    status: r.status,
    exitCode: r.exitCode,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    ports: r.ports,
  }));
}
