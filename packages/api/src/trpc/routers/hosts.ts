import { z } from 'zod';
import { createEnrollToken, listHosts } from '../../services/hosts.js';
import { authed, router } from '../trpc.js';

export const hostsRouter = router({
  list: authed.query(({ ctx }) => listHosts(ctx.hub.prisma)),
  createEnrollToken: authed.input(z.object({ name: z.string().min(1).optional() })).mutation(async ({ ctx, input }) => ({
    token: await createEnrollToken(ctx.hub.prisma, ctx.principal, input.name),
  })),
});
