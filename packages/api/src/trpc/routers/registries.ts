import { z } from 'zod';
import { browseRegistry, deleteRegistry, listRegistries, saveRegistry } from '../../services/registries.js';
import { authed, router } from '../trpc.js';

export const registriesRouter = router({
  list: authed.query(({ ctx }) => listRegistries(ctx.hub.prisma)),
  save: authed
    .input(z.object({ name: z.string().min(1).max(100), url: z.string().min(1), username: z.string().optional(), password: z.string().optional() }))
    .mutation(({ ctx, input }) => saveRegistry(ctx.hub, ctx.principal, input)),
  remove: authed.input(z.object({ id: z.string() })).mutation(({ ctx, input }) => deleteRegistry(ctx.hub, ctx.principal, input.id)),
  browse: authed.input(z.object({ id: z.string() })).query(({ ctx, input }) => browseRegistry(ctx.hub, input.id)),
});
