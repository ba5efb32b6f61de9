import { appendAudit, hashPassword, verifyPassword, type Prisma } from '@drydock/db';
import { ApiError } from '../errors.js';
import type { HubBus } from '../hub.js';
import { actorOf, requireRole, type Principal } from './principal.js';

export const MIN_PASSWORD = 8;

export interface PasswordChange {
  /** Whose password: the caller's own when absent. Another user's needs the admin role. */
  userId?: string | undefined;
  /** The caller's current password: required to change one's own. */
  currentPassword?: string | undefined;
  newPassword: string;
}

/**
 * Sets a user's password: one's own with the current password, or another
 * user's as an admin (a reset). Every session of that user except the
 * caller's current one ends, so a stolen session stops working; API tokens
 * stay (they are revoked one by one). Audited as `user.password` — refusals
 * too — without any password in the row.
 */
export async function changePassword(prisma: Prisma, bus: HubBus | undefined, by: Principal, input: PasswordChange): Promise<{ sessionsRevoked: number }> {
  const userId = input.userId ?? by.userId;
  const own = userId === by.userId;
  const user = await prisma.user.findUnique({ where: { id: userId } });
  const audit = async (outcome: 'success' | 'denied', params: Record<string, unknown>) => {
    await appendAudit(prisma, { actor: actorOf(by), actorName: by.email, action: 'user.password', target: user?.email ?? userId, params: { reset: !own, ...params }, outcome });
    bus?.emit('changed', { topic: 'audit' });
  };
  if (!own) {
    try {
      requireRole(by, 'admin');
    } catch (err) {
      await audit('denied', { reason: `${by.role} may not reset another user's password` });
      throw err;
    }
  }
  if (!user) throw new ApiError('not-found', `no user ${userId}`);
  if (input.newPassword.length < MIN_PASSWORD) throw new ApiError('bad-request', `the new password needs at least ${MIN_PASSWORD} characters`);
  if (own) {
    if (!input.currentPassword) throw new ApiError('bad-request', 'your current password is required to change your own');
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      await audit('denied', { reason: 'wrong current password' });
      throw new ApiError('forbidden', 'the current password is wrong');
    }
  }
  const keep = own && by.sessionId ? by.sessionId : undefined;
  const [, revoked] = await prisma.$transaction([
    prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(input.newPassword) } }),
    prisma.session.deleteMany({ where: { userId: user.id, ...(keep ? { id: { not: keep } } : {}) } }),
  ]);
  await audit('success', { sessionsRevoked: revoked.count });
  return { sessionsRevoked: revoked.count };
}
