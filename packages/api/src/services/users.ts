import { randomBytes } from 'node:crypto';
import { appendAudit, hashPassword, type Prisma, type Role } from '@drydock/db';
import { ApiError } from '../errors.js';
import { actorOf, requireRole, type Principal } from './principal.js';

/**
 * Makes sure an admin exists. With no users yet, creates one from the given
 * email/password, or with a generated one-time password returned to print once.
 */
export async function ensureFirstAdmin(
  prisma: Prisma,
  given: { email?: string | undefined; password?: string | undefined },
): Promise<{ email: string; generatedPassword?: string } | null> {
  if ((await prisma.user.count()) > 0) return null;
  const email = (given.email ?? 'admin@drydock.local').trim().toLowerCase();
  const generated = given.password ? undefined : randomBytes(12).toString('base64url');
  const password = given.password ?? generated!;
  await prisma.user.create({ data: { email, name: email.split('@')[0] ?? 'admin', role: 'admin', passwordHash: await hashPassword(password) } });
  await appendAudit(prisma, { actor: 'system', action: 'user.create', target: email, params: { role: 'admin', first: true }, outcome: 'success' });
  return generated ? { email, generatedPassword: generated } : { email };
}

export async function createUser(prisma: Prisma, by: Principal, input: { email: string; name: string; password: string; role: Role }) {
  requireRole(by, 'admin');
  const email = input.email.trim().toLowerCase();
  if (await prisma.user.findUnique({ where: { email } })) throw new ApiError('conflict', `a user ${email} exists`);
  const user = await prisma.user.create({ data: { email, name: input.name, role: input.role, passwordHash: await hashPassword(input.password) } });
  await appendAudit(prisma, { actor: actorOf(by), actorName: by.email, action: 'user.create', target: email, params: { role: input.role }, outcome: 'success' });
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

export async function setRole(prisma: Prisma, by: Principal, userId: string, role: Role) {
  requireRole(by, 'admin');
  const user = await prisma.user.update({ where: { id: userId }, data: { role } });
  await appendAudit(prisma, { actor: actorOf(by), actorName: by.email, action: 'user.role', target: user.email, params: { role }, outcome: 'success' });
}
