import { z } from 'zod';
import { listContainers, listImages } from '../../services/inventory.js';
import { dispatchJob, startJob } from '../../services/jobs.js';
import { authed, router } from '../trpc.js';

const ref = z.string().min(1);

/** Image actions from the dashboard; each becomes an agent job. */
const imageAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('image.tag'), source: ref, target: ref }),
  z.object({ kind: z.literal('image.push'), ref }),
  z.object({ kind: z.literal('image.pull'), ref }),
  z.object({ kind: z.literal('image.rm'), ref, force: z.boolean().default(false) }),
]);

const containerAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('container.stop'), container: ref }),
  z.object({ kind: z.literal('container.rm'), container: ref, force: z.boolean().default(false) }),
  z.object({ kind: z.literal('container.commit'), container: ref, ref: ref.optional(), message: z.string().optional() }),
]);

export const inventoryRouter = router({
  images: authed
    .input(z.object({ hostId: z.string().optional(), search: z.string().optional(), all: z.boolean().optional() }))
    .query(({ ctx, input }) => listImages(ctx.hub.prisma, input)),
  containers: authed.input(z.object({ hostId: z.string().optional() })).query(({ ctx, input }) => listContainers(ctx.hub.prisma, input)),
  imageAction: authed.input(z.object({ hostId: z.string(), action: imageAction })).mutation(async ({ ctx, input }) => {
    const { job, spec } = await startJob(ctx.hub, ctx.principal, input.hostId, input.action);
    await dispatchJob(ctx.hub, job, spec);
    return { jobId: job.id };
  }),
  containerAction: authed.input(z.object({ hostId: z.string(), action: containerAction })).mutation(async ({ ctx, input }) => {
    const { job, spec } = await startJob(ctx.hub, ctx.principal, input.hostId, input.action);
    await dispatchJob(ctx.hub, job, spec);
    return { jobId: job.id };
  }),
});
