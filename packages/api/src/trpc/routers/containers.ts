import { z } from 'zod';
import { listContainers } from '../../services/inventory.js';
import {
  commitContainer,
  commitInputSchema,
  diffContainer,
  diffInputSchema,
  removeContainer,
  removeInputSchema,
  runContainer,
  runInputSchema,
  stopContainer,
  stopInputSchema,
} from '../../services/containers.js';
import { authed, router } from '../trpc.js';

/** The containers page: every host's containers and what can be done to one (each an agent job). */
export const containersRouter = router({
  list: authed.input(z.object({ hostId: z.string().optional() })).query(({ ctx, input }) => listContainers(ctx.hub.prisma, input)),
  run: authed.input(runInputSchema).mutation(({ ctx, input }) => runContainer(ctx.hub, ctx.principal, input)),
  stop: authed.input(stopInputSchema).mutation(({ ctx, input }) => stopContainer(ctx.hub, ctx.principal, input)),
  remove: authed.input(removeInputSchema).mutation(({ ctx, input }) => removeContainer(ctx.hub, ctx.principal, input)),
  commit: authed.input(commitInputSchema).mutation(({ ctx, input }) => commitContainer(ctx.hub, ctx.principal, input)),
  /** Waits for the agent: `docker diff` as `{kind, path}` records. */
  diff: authed.input(diffInputSchema).mutation(({ ctx, input }) => diffContainer(ctx.hub, ctx.principal, input)),
});
