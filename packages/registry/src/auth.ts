/**
 * Authorization: the `authorize(req, scope)` seam and the built-in htpasswd (bcrypt) backend.
 *
 * Every request is authorized once, before its handler runs, with the scope it needs. An
 * authorizer answers with the user to record in events, or refuses with `unauthorized`
 * (401, plus a `WWW-Authenticate` challenge) or `denied` (403). The hub will plug bearer tokens
 * in here by passing its own `authorize`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import bcrypt from 'bcryptjs';

export type Action = 'pull' | 'push' | 'delete';

/**
 * What a request needs. `registry` scopes cover the base endpoint (`name: ''`, no actions;
 * "may this client talk to the registry at all") and the catalog (`name: 'catalog'`).
 */
export type Scope =
  | { type: 'repository'; name: string; actions: Action[] }
  | { type: 'registry'; name: '' | 'catalog'; actions: [] | ['*'] };

export type AuthResult =
  | { ok: true; user?: string }
  | { ok: false; error: 'unauthorized' | 'denied'; message?: string; challenge?: string };

/** The seam: decides whether `req` may do what `scope` says. Must not consume the body. */
export type Authorizer = (req: IncomingMessage, scope: Scope) => Promise<AuthResult> | AuthResult;

/** The `repository:<name>:<actions>` form of a scope, as bearer-token servers spell it. */
export function scopeString(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

/** Parses `Authorization: Basic …`; undefined when absent or malformed. */
export function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const header = req.headers.authorization;
  const m = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Parses an htpasswd file's text: `user:hash` lines; blank lines and `#` comments skipped. */
export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0) continue;
    users.set(trimmed.slice(0, colon), trimmed.slice(colon + 1));
  }
  return users;
}

export interface HtpasswdOptions {
  /** Path of an htpasswd file with bcrypt entries (`htpasswd -B`); re-read when it changes. */
  file: string;
  /** The realm in the Basic challenge. */
  realm?: string;
}

/**
 * An Authorizer backed by an htpasswd file: every scope needs a valid user; any valid user
 * may do anything (like distribution's htpasswd backend). Only bcrypt hashes are accepted.
 * Verified credentials are cached in memory (keyed by an HMAC under a per-process key, so no
 * password is kept) until the file changes, because bcrypt costs milliseconds per check and
 * clients send credentials with every request.
 */
export function htpasswdAuthorizer(options: HtpasswdOptions): Authorizer {
  const realm = options.realm ?? 'drydock-registry';
  const challenge = `Basic realm="${realm.replace(/"/g, '')}"`;
  const key = randomBytes(32);
  let loaded: { mtimeMs: number; size: number; users: Map<string, string> } | undefined;
  let verified = new Set<string>();

  const users = async (): Promise<Map<string, string>> => {
    const s = await stat(options.file);
    if (!loaded || loaded.mtimeMs !== s.mtimeMs || loaded.size !== s.size) {
      loaded = { mtimeMs: s.mtimeMs, size: s.size, users: parseHtpasswd(await readFile(options.file, 'utf8')) };
      verified = new Set();
    }
    return loaded.users;
  };

  return async (req) => {
    const creds = basicCredentials(req);
    if (!creds) return { ok: false, error: 'unauthorized', message: 'authentication required', challenge };
    const hash = (await users()).get(creds.user);
    const token = createHmac('sha256', key).update(`${creds.user}\0${creds.password}`).digest('hex');
    if (hash && verified.has(token)) return { ok: true, user: creds.user };
    const ok = hash !== undefined && /^\$2[aby]\$/.test(hash) && (await bcrypt.compare(creds.password, hash));
    if (!ok) return { ok: false, error: 'unauthorized', message: 'invalid username or password', challenge };
    verified.add(token);
    return { ok: true, user: creds.user };
  };
}

/** The authorizer when none is configured: everyone may do everything, anonymously. */
export const allowAll: Authorizer = () => ({ ok: true });
