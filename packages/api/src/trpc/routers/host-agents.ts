import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { acceptHostKey, hostAgentLog, hostSsh, removeManagedHost, restartHostAgent, scanCurrentHostKey, upgradeHostAgent } from '../../services/host-agents.js';
import { enrollInputSchema, enrollOverSsh } from '../../services/host-enrollment.js';
import { HostOperationError } from '../../services/host-ssh.js';
import { authed, router } from '../trpc.js';

/** HOST_ERROR_STATUS → tRPC codes (an SSH refusal is not the browser's own 401). */
const TRPC_BY_STATUS: Record<number, TRPCError['code']> = {
  400: 'BAD_REQUEST',
  401: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'UNPROCESSABLE_CONTENT',
  502: 'BAD_GATEWAY',
  504: 'GATEWAY_TIMEOUT',
};

const hostOps = authed.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof HostOperationError) {
    const err = result.error.cause;
    throw new TRPCError({ code: TRPC_BY_STATUS[err.status] ?? 'INTERNAL_SERVER_ERROR', message: err.message, cause: err });
  }
  return result;
});

const byId = z.object({ id: z.string().min(1) });

/** The dashboard's "Add host" form and host actions (services/host-agents.ts). */
export const hostAgentsRouter = router({
  enroll: hostOps.input(enrollInputSchema).mutation(({ ctx, input }) => enrollOverSsh(ctx.hub, ctx.principal, input)),
  ssh: authed.input(byId).query(({ ctx, input }) => hostSsh(ctx.hub, input.id)),
  scanKey: hostOps.input(byId).query(({ ctx, input }) => scanCurrentHostKey(ctx.hub, input.id)),
  acceptKey: hostOps.input(byId.extend({ fingerprint: z.string().min(1) })).mutation(({ ctx, input }) => acceptHostKey(ctx.hub, ctx.principal, input.id, input.fingerprint)),
  upgrade: hostOps.input(byId).mutation(({ ctx, input }) => upgradeHostAgent(ctx.hub, ctx.principal, input.id)),
  restart: hostOps.input(byId).mutation(({ ctx, input }) => restartHostAgent(ctx.hub, ctx.principal, input.id)),
  log: hostOps.input(byId.extend({ lines: z.number().int().min(1).max(5000).optional() })).query(({ ctx, input }) => hostAgentLog(ctx.hub, ctx.principal, input.id, input.lines)),
  remove: hostOps.input(byId.extend({ force: z.boolean().optional() })).mutation(({ ctx, input }) => removeManagedHost(ctx.hub, ctx.principal, input.id, { force: input.force ?? false })),
});
