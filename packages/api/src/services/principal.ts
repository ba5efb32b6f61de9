import type { Role } from '@drydock/db';
import { ApiError } from '../errors.js';

/** Who is asking: a signed-in user, or a user's API token. */
export interface Principal {
  userId: string;
  email: string;
  name: string;
  role: Role;
  via: 'session' | 'token';
  tokenName?: string;
  /** The session row behind a browser request (a password change keeps it). */
  sessionId?: string;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Throws `forbidden` unless the principal's role is at least `role`. */
export function requireRole(p: Principal, role: Role): void {
  if (RANK[p.role] < RANK[role]) throw new ApiError('forbidden', `${role} role required (you are ${p.role})`);
}

export function hasRole(p: Principal, role: Role): boolean {
  return RANK[p.role] >= RANK[role];
}

/** The actor string the audit and the host journal record. */
export function actorOf(p: Principal): string {
  return p.via === 'token' ? `token:${p.tokenName ?? 'api'}@${p.email}` : `user:${p.email}`;
}
