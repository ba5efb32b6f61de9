import { z } from 'zod';
import { listJobs } from '../../services/jobs.js';
import { authed, router } from '../trpc.js';

export const jobsRouter = router({
  list: authed.input(z.object({ active: z.boolean().optional(), take: z.number().int().positive().max(500).optional() })).query(({ ctx, input }) => listJobs(ctx.hub.prisma, input)),
});
