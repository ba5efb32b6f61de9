import { initTRPC, TRPCError } from '@trpc/server';
import { ApiError, TRPC_CODE } from '../errors.js';
import type { Hub } from '../hub.js';
import { requireRole, type Principal } from '../services/principal.js';

export interface TrpcContext {
  hub: Hub;
  principal: Principal | null;
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    return { ...shape, message: error.message };
  },
});

/** ApiError → TRPCError in one place. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ApiError) {
    throw new TRPCError({ code: TRPC_CODE[result.error.cause.code], message: result.error.cause.message, cause: result.error.cause });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(mapErrors);

export const authed = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});

export const adminProcedure = authed.use(({ ctx, next }) => {
  requireRole(ctx.principal, 'admin');
  return next();
});
