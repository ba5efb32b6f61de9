import { z } from 'zod';
import { startSave } from '../../services/image-transfers.js';
import { imageHistory, imageInspect, startImageAction } from '../../services/images.js';
import { authed, router } from '../trpc.js';

const ref = z.string().min(1);
const image = z.object({ hostId: z.string().min(1), ref });

/** One image action from the dashboard; each becomes an agent job (services/images.ts). */
const action = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('image.tag'), source: ref, target: ref }),
  z.object({ kind: z.literal('image.push'), ref, registryId: z.string().optional() }),
  z.object({ kind: z.literal('image.pull'), ref, registryId: z.string().optional() }),
  z.object({ kind: z.literal('image.rm'), ref, force: z.boolean().default(false) }),
]);

/** The images pages: history and inspect (any role), actions and save downloads (operators). Uploads are REST (a tar body). */
export const imagesRouter = router({
  history: authed.input(image).query(({ ctx, input }) => imageHistory(ctx.hub, input.hostId, input.ref)),
  inspect: authed.input(image).query(({ ctx, input }) => imageInspect(ctx.hub, input.hostId, input.ref)),
  action: authed.input(z.object({ hostId: z.string().min(1), action })).mutation(({ ctx, input }) => startImageAction(ctx.hub, ctx.principal, input.hostId, input.action)),
  save: authed
    .input(z.object({ hostId: z.string().min(1), refs: z.array(ref).min(1) }))
    .mutation(({ ctx, input }) => startSave(ctx.hub, ctx.principal, input.hostId, input.refs)),
});
