import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../server/index.js';
import { ADMIN, api, tokenFor } from './helpers/hub.js';

/** Password changes over the hub's API: one's own (current password required) and an admin's reset of another user's. */
describe('passwords', () => {
  let dir: string;
  let server: HubServer;
  let base: string;

  /** Signs in like the browser does and returns the session cookie. */
  async function signIn(email: string, password: string): Promise<string | undefined> {
    const res = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    return res.status === 200 ? res.headers.get('set-cookie')!.split(';')[0]! : undefined;
  }
  const asCookie = (cookie: string) => ({
    get: (path: string) => api(base)('GET', path, undefined, { cookie }),
    mutate: async (path: string, input: unknown) => {
      const res = await fetch(`${base}/api/trpc/${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      return { status: res.status, body: (await res.json()) as { error?: { message: string }; result?: { data: unknown } } };
    },
  });
  let auditor: ReturnType<typeof api>;
  const passwordRows = async () =>
    (await auditor('GET', '/api/v1/audit?action=user.password')).body as { actorName: string; target: string; outcome: string; params: Record<string, unknown> }[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-passwords-'));
    server = await startHubServer({ port: 0, host: '127.0.0.1', dataDir: dir, admin: { ...ADMIN }, web: false });
    base = server.url;
    auditor = api(base, `Bearer ${await tokenFor(base, ADMIN.email, ADMIN.password)}`);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('changes one’s own password with the current one and signs out the other sessions only', async () => {
    const here = (await signIn(ADMIN.email, ADMIN.password))!;
    const elsewhere = (await signIn(ADMIN.email, ADMIN.password))!;
    const token = await tokenFor(base, ADMIN.email, ADMIN.password);
    const me = asCookie(here);

    const wrong = await me.mutate('users.changePassword', { currentPassword: 'not-it', newPassword: 'a-new-password' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error?.message).toBe('the current password is wrong');
    expect((await me.mutate('users.changePassword', { currentPassword: ADMIN.password, newPassword: 'short' })).status).toBe(400);
    expect(await signIn(ADMIN.email, 'a-new-password')).toBeUndefined(); // nothing changed

    const ok = await me.mutate('users.changePassword', { currentPassword: ADMIN.password, newPassword: 'a-new-password' });
    expect(ok.status).toBe(200);
    expect(ok.body.result?.data).toEqual({ sessionsRevoked: 1 });

    expect((await me.get('/api/v1/hosts')).status).toBe(200); // this session goes on
    expect((await asCookie(elsewhere).get('/api/v1/hosts')).status).toBe(401); // the other one ended
    expect((await api(base, `Bearer ${token}`)('GET', '/api/v1/hosts')).status).toBe(200); // API tokens stay
    expect(await signIn(ADMIN.email, ADMIN.password)).toBeUndefined();
    expect(await signIn(ADMIN.email, 'a-new-password')).toBeDefined();
    ADMIN_PASSWORD.current = 'a-new-password';

    const rows = await passwordRows();
    expect(rows.map((r) => [r.actorName, r.target, r.outcome])).toEqual([
      [ADMIN.email, ADMIN.email, 'success'],
      [ADMIN.email, ADMIN.email, 'denied'],
    ]);
    expect(rows[0]!.params).toMatchObject({ reset: false, sessionsRevoked: 1 });
    expect(rows[1]!.params).toMatchObject({ reason: 'wrong current password' });
    const text = JSON.stringify(rows);
    for (const secret of [ADMIN.password, 'a-new-password', 'not-it']) expect(text).not.toContain(secret);
  });

  it('lets an admin reset another user’s password, ending all their sessions, and refuses anyone else', async () => {
    const admin = asCookie((await signIn(ADMIN.email, ADMIN_PASSWORD.current))!);
    const created = await admin.mutate('users.create', { email: 'olga@example.com', name: 'Olga', password: 'olga-password', role: 'operator' });
    expect(created.status).toBe(200);
    const olgaId = (created.body.result?.data as { id: string }).id;
    const adminId = (await server.hub.prisma.user.findUniqueOrThrow({ where: { email: ADMIN.email } })).id;
    const olga = asCookie((await signIn('olga@example.com', 'olga-password'))!);

    // An operator may not reset someone else's password (the refusal is audited).
    const refused = await olga.mutate('users.resetPassword', { id: adminId, newPassword: 'taken-over-1' });
    expect(refused.status).toBe(403);
    expect(await signIn(ADMIN.email, 'taken-over-1')).toBeUndefined();

    const reset = await admin.mutate('users.resetPassword', { id: olgaId, newPassword: 'olga-second-password' });
    expect(reset.status).toBe(200);
    expect(reset.body.result?.data).toEqual({ sessionsRevoked: 1 });
    expect((await olga.get('/api/v1/hosts')).status).toBe(401);
    expect(await signIn('olga@example.com', 'olga-password')).toBeUndefined();
    expect(await signIn('olga@example.com', 'olga-second-password')).toBeDefined();
    expect((await admin.mutate('users.resetPassword', { id: 'no-such-user', newPassword: 'whatever-1' })).status).toBe(404);

    const rows = await passwordRows();
    expect(rows.slice(0, 3).map((r) => [r.actorName, r.target, r.outcome, r.params.reset])).toEqual([
      [ADMIN.email, 'olga@example.com', 'success', true],
      ['olga@example.com', ADMIN.email, 'denied', true],
      [ADMIN.email, ADMIN.email, 'success', false],
    ]);
    expect(JSON.stringify(rows)).not.toContain('olga-second-password');
  });
});

/** The admin's password after the first test changed it. */
const ADMIN_PASSWORD = { current: ADMIN.password };
