import { appendAudit } from '@drydock/db';
import { z } from 'zod';
import { createApiToken } from '../../services/auth.js';
import { changePassword, MIN_PASSWORD } from '../../services/passwords.js';
import { actorOf } from '../../services/principal.js';
import { createUser, setRole } from '../../services/users.js';
import { adminProcedure, authed, publicProcedure, router } from '../trpc.js';

const role = z.enum(['admin', 'operator', 'viewer']);

export const usersRouter = router({
  me: publicProcedure.query(({ ctx }) => (ctx.principal ? { email: ctx.principal.email, name: ctx.principal.name, role: ctx.principal.role } : null)),
  list: adminProcedure.query(async ({ ctx }) =>
    (await ctx.hub.prisma.user.findMany({ orderBy: { email: 'asc' } })).map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt.toISOString() })),
  ),
  create: authed
    .input(z.object({ email: z.email(), name: z.string().min(1), password: z.string().min(MIN_PASSWORD), role }))
    .mutation(({ ctx, input }) => createUser(ctx.hub.prisma, ctx.principal, input)),
  /** One's own password, with the current one; the other sessions end. */
  changePassword: authed
    .input(z.object({ currentPassword: z.string().min(1), newPassword: z.string().min(MIN_PASSWORD) }))
    .mutation(({ ctx, input }) => changePassword(ctx.hub.prisma, ctx.hub.bus, ctx.principal, input)),
  /** An admin sets another user's password; that user's sessions end. */
  resetPassword: authed
    .input(z.object({ id: z.string().min(1), newPassword: z.string().min(MIN_PASSWORD) }))
    .mutation(({ ctx, input }) => changePassword(ctx.hub.prisma, ctx.hub.bus, ctx.principal, { userId: input.id, newPassword: input.newPassword })),
  setRole: authed.input(z.object({ id: z.string(), role })).mutation(({ ctx, input }) => setRole(ctx.hub.prisma, ctx.principal, input.id, input.role)),
  tokens: authed.query(async ({ ctx }) =>
    (await ctx.hub.prisma.apiToken.findMany({ where: { userId: ctx.principal.userId }, orderBy: { createdAt: 'desc' } })).map((t) => ({
      id: t.id,
      name: t.name,
      createdAt: t.createdAt.toISOString(),
      lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
      revoked: t.revokedAt !== null,
    })),
  ),
  createToken: authed.input(z.object({ name: z.string().min(1).max(100) })).mutation(async ({ ctx, input }) => {
    const created = await createApiToken(ctx.hub.prisma, ctx.principal.userId, input.name);
    await appendAudit(ctx.hub.prisma, { actor: actorOf(ctx.principal), actorName: ctx.principal.email, action: 'token.create', target: input.name, outcome: 'success' });
    return created;
  }),
  revokeToken: authed.input(z.object({ id: z.string() })).mutation(async ({ ctx, input }) => {
    const r = await ctx.hub.prisma.apiToken.updateMany({ where: { id: input.id, userId: ctx.principal.userId, revokedAt: null }, data: { revokedAt: new Date() } });
    if (r.count) await appendAudit(ctx.hub.prisma, { actor: actorOf(ctx.principal), actorName: ctx.principal.email, action: 'token.revoke', target: input.id, outcome: 'success' });
  }),
});
