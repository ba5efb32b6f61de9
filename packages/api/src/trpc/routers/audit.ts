import { verifyAudit } from '@drydock/db';
import { z } from 'zod';
import { listAudit } from '../../services/audit.js';
import { authed, router } from '../trpc.js';

export const auditRouter = router({
  list: authed
    .input(
      z.object({
        action: z.string().optional(),
        actor: z.string().optional(),
        host: z.string().optional(),
        target: z.string().optional(),
        since: z.string().optional(),
        until: z.string().optional(),
        take: z.number().int().positive().max(5000).optional(),
      }),
    )
    .query(({ ctx, input }) =>
      listAudit(ctx.hub.prisma, {
        ...input,
        since: input.since ? new Date(input.since) : undefined,
        until: input.until ? new Date(input.until) : undefined,
      }),
    ),
  actions: authed.query(async ({ ctx }) => (await ctx.hub.prisma.auditLog.findMany({ distinct: ['action'], select: { action: true }, orderBy: { action: 'asc' } })).map((r) => r.action)),
  verify: authed.mutation(({ ctx }) => verifyAudit(ctx.hub.prisma)),
});
