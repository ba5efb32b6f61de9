import { hashPassword, hashToken, newToken, verifyPassword, type Prisma } from '@drydock/db';
import { ApiError } from '../errors.js';
import type { Principal } from './principal.js';

export const SESSION_COOKIE = 'drydock_session';
const SESSION_DAYS = 14;

/** Checks email and password; the user or `unauthorized`. */
export async function checkPassword(prisma: Prisma, email: string, password: string) {
  const user = await prisma.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  // Hash anyway when the user is unknown, so timing does not reveal emails.
  const ok = user ? await verifyPassword(password, user.passwordHash) : (await hashPassword(password), false);
  if (!user || !ok || user.disabled) throw new ApiError('unauthorized', 'wrong email or password');
  return user;
}

/** Starts a browser session: the cookie value (the row keeps only its hash). */
export async function createSession(prisma: Prisma, userId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken('dds');
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
  await prisma.session.create({ data: { tokenHash: hashToken(token), userId, expiresAt } });
  return { token, expiresAt };
}

export async function endSession(prisma: Prisma, token: string): Promise<void> {
  await prisma.session.deleteMany({ where: { tokenHash: hashToken(token) } });
}

export async function createApiToken(prisma: Prisma, userId: string, name: string): Promise<{ id: string; token: string }> {
  const token = newToken('ddk');
  const row = await prisma.apiToken.create({ data: { userId, name, tokenHash: hashToken(token) } });
  return { id: row.id, token };
}

/** Reads a cookie header's value for `name`. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Who sent a request: `Authorization: Bearer <api token>` or the session
 * cookie. Null when neither is valid (the caller answers 401).
 */
export async function authenticate(prisma: Prisma, headers: { authorization?: string | undefined; cookie?: string | undefined }): Promise<Principal | null> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer) {
    const row = await prisma.apiToken.findUnique({ where: { tokenHash: hashToken(bearer) }, include: { user: true } });
    if (!row || row.revokedAt || row.user.disabled) return null;
    // Last use to the minute: not a write on every request a script makes.
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
    return { userId: row.userId, email: row.user.email, name: row.user.name, role: row.user.role, via: 'token', tokenName: row.name };
  }
  const session = cookieValue(headers.cookie, SESSION_COOKIE);
  if (session) {
    const row = await prisma.session.findUnique({ where: { tokenHash: hashToken(session) }, include: { user: true } });
    if (!row || row.expiresAt < new Date() || row.user.disabled) return null;
    return { userId: row.userId, email: row.user.email, name: row.user.name, role: row.user.role, via: 'session', sessionId: row.id };
  }
  return null;
}
