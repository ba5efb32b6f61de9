import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../packages/db/test/helpers/postgres.js';
import { startHubServer, type HubServer } from '../server/index.js';
import { ADMIN, api, startHubWithAgent, tarOf, tokenFor, until } from './helpers/hub.js';

/**
 * Two hub processes' worth of servers on one PostgreSQL, sharing socket.io
 * traffic through @socket.io/postgres-adapter: the agent is connected to hub A,
 * the browser to hub B, and the build is started through B.
 */
describe('several hubs on one PostgreSQL', () => {
  let pg: TestPostgres;
  let a: Awaited<ReturnType<typeof startHubWithAgent>>;
  let b: HubServer;
  let bData: string;
  let browser: Socket | undefined;

  beforeAll(async () => {
    pg = await startPostgres();
    a = await startHubWithAgent({ databaseUrl: pg.url });
    bData = mkdtempSync(join(tmpdir(), 'drydock-hub-b-'));
    b = await startHubServer({ port: 0, host: '127.0.0.1', dataDir: bData, databaseUrl: pg.url, admin: ADMIN, web: false });
  });
  afterAll(async () => {
    browser?.close();
    await b?.close();
    await a?.stop();
    await pg?.stop();
    rmSync(bData, { recursive: true, force: true });
  });

  it('sends a job from hub B to the agent on hub A and streams its events to a browser on hub B', async () => {
    const login = await fetch(`${b.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    browser = io(`${b.url}/ui`, { extraHeaders: { cookie }, transports: ['websocket'] });
    const lines: string[] = [];
    browser.on('job', (e: { event: { type: string; text?: string } }) => {
      if (e.event.type === 'log' && e.event.text) lines.push(e.event.text);
    });
    await until(() => browser!.connected, 'the browser socket on hub B');

    const viaB = api(b.url, `Bearer ${await tokenFor(b.url, ADMIN.email, ADMIN.password)}`);
    const hosts = await viaB('GET', '/api/v1/hosts');
    expect(hosts.body).toEqual([expect.objectContaining({ id: a.agent.hostId, status: 'online' })]);
    const started = await viaB('POST', `/api/v1/hosts/${a.agent.hostId}/builds?t=multi:1`, tarOf({ Dockerfile: 'FROM busybox:latest\nRUN echo across-hubs\n' }));
    expect(started.status).toBe(201);
    const build = await until(async () => {
      const r = await viaB('GET', `/api/v1/builds/${started.body.id}`);
      return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
    }, 'the build');
    expect(build.status).toBe('succeeded');
    await until(() => lines.includes('across-hubs'), 'the log line on hub B');
  });

  it('asks the agent on hub A about an image from hub B (image:query acknowledged across the adapter)', async () => {
    const viaB = api(b.url, `Bearer ${await tokenFor(b.url, ADMIN.email, ADMIN.password)}`);
    const inspect = await viaB('GET', `/api/v1/hosts/${a.agent.hostId}/images/inspect?ref=busybox:latest`);
    expect(inspect.status).toBe(200);
    expect(inspect.body).toEqual(JSON.parse(a.cli.run(['inspect', 'busybox:latest']).stdout));
  });
});
