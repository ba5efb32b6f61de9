import { z } from 'zod';
import { cancelJob, listJobs } from '../../services/jobs.js';
import { authed, router } from '../trpc.js';

export const jobsRouter = router({
  list: authed.input(z.object({ active: z.boolean().optional(), take: z.number().int().positive().max(500).optional() })).query(({ ctx, input }) => listJobs(ctx.hub.prisma, input)),
  /** Stops a running build, pull, push, load or import (operators). */
  cancel: authed.input(z.object({ id: z.string().min(1) })).mutation(({ ctx, input }) => cancelJob(ctx.hub, ctx.principal, input.id)),
});
