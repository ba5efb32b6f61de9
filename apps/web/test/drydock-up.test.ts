import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../cli/test/helpers/cli.js';
import { api, tokenFor, until } from './helpers/hub.js';

/** `drydock up` as a user runs it: the hub with its dashboard and a spawned local agent. */
describe('drydock up', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function up(env: Record<string, string>, args: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-up-'));
    dirs.push(dir);
    const child = spawn(join(repoRoot, 'bin/drydock'), ['up', '--port', '0', ...args], {
      env: { ...process.env, DRYDOCK_ROOT: join(dir, 'root'), DRYDOCK_ADMIN_EMAIL: '', DRYDOCK_ADMIN_PASSWORD: '', DATABASE_URL: '', ...env },
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { child, dir, out: () => stdout, err: () => stderr, exited };
  }

  it('prints the URL and a one-time admin password, enrolls the local agent, and stops on SIGINT', async () => {
    const hub = up({});
    const url = await until(() => /listening on (http:\/\/\S+)/.exec(hub.out())?.[1], 'the URL', 120_000);
    const [, email, password] = /First admin: (\S+)\s+password: (\S+)/.exec(hub.out()) ?? [];
    expect(email).toBe('admin@drydock.local');
    const health = await until(async () => {
      const r = await api(url)('GET', '/api/health');
      return r.body.agents === 1 ? r.body : undefined;
    }, 'the local agent online');
    expect(health).toEqual({ ok: true, db: 'pglite', agents: 1 });
    const hosts = await api(url, `Bearer ${await tokenFor(url, email!, password!)}`)('GET', '/api/v1/hosts');
    expect(hosts.body).toEqual([expect.objectContaining({ status: 'online' })]);
    const login = await fetch(`${url}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('Sign in');

    hub.child.kill('SIGINT');
    expect(await hub.exited).toBe(0);
    expect(hub.err()).not.toContain('the local agent exited');

    // Started again on the same data: same host, no new password, the stored admin still works.
    const again = up({ DRYDOCK_ROOT: join(hub.dir, 'root') });
    const url2 = await until(() => /listening on (http:\/\/\S+)/.exec(again.out())?.[1], 'the URL', 120_000);
    expect(again.out()).not.toContain('First admin');
    await until(async () => (await api(url2)('GET', '/api/health')).body.agents === 1, 'the agent back online');
    const hosts2 = await api(url2, `Bearer ${await tokenFor(url2, email!, password!)}`)('GET', '/api/v1/hosts');
    expect(hosts2.body.map((h: { id: string }) => h.id)).toEqual(hosts.body.map((h: { id: string }) => h.id));
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 240_000); // two starts of Next.js and an agent, on a loaded 2-core CI

  it('refuses a bad port with one line', async () => {
    const hub = up({}, ['--port', 'eighty']);
    expect(await hub.exited).toBe(125);
    expect(hub.err().trim()).toBe('Error: invalid port "eighty"');
  });
});
