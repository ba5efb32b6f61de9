import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../packages/db/test/helpers/postgres.js';
import { startHubServer, type HubServer } from '../server/index.js';
import { ADMIN, startHubWithAgent, tokenFor, trpcMutation, until } from './helpers/hub.js';

/**
 * Container sessions across hub processes on one PostgreSQL: the agent is
 * connected to hub A, the browser to hub B. Keystrokes, terminal output,
 * followed logs and the export tarball all cross between them.
 */
describe('container sessions across hubs', () => {
  let pg: TestPostgres;
  let a: Awaited<ReturnType<typeof startHubWithAgent>>;
  let b: HubServer;
  let bData: string;
  let browser: Socket | undefined;
  let hostId: string;
  let auth: string;

  beforeAll(async () => {
    pg = await startPostgres();
    a = await startHubWithAgent({ databaseUrl: pg.url });
    bData = mkdtempSync(join(tmpdir(), 'drydock-hub-b-'));
    b = await startHubServer({ port: 0, host: '127.0.0.1', dataDir: bData, databaseUrl: pg.url, admin: ADMIN, web: false });
    hostId = a.agent.hostId!;
    auth = `Bearer ${await tokenFor(b.url, ADMIN.email, ADMIN.password)}`;
    const run = await trpcMutation(b.url, auth, 'containers.run', { hostId, image: 'busybox:latest', name: 'mh-box', network: 'none', cmd: ['sh', '-c', 'echo mh-line; echo x > /mh.txt; exec sleep 1000'] });
    expect(run.status).toBe(200);
    await until(() => a.cli.run(['ps', '--format', '{{.Names}}']).stdout.includes('mh-box'), 'mh-box running');
    browser = io(`${b.url}/ui`, { extraHeaders: { authorization: auth }, transports: ['websocket'], forceNew: true });
    await until(() => browser!.connected, 'the browser socket on hub B');
  });
  afterAll(async () => {
    browser?.close();
    a?.cli.run(['rm', '-f', 'mh-box']);
    await b?.close();
    await a?.stop();
    await pg?.stop();
    rmSync(bData, { recursive: true, force: true });
  });

  const open = (event: string, payload: unknown) =>
    new Promise<string>((resolve, reject) =>
      browser!.emit(event, payload, (r: { jobId?: string; message?: string }) => (r.jobId ? resolve(r.jobId) : reject(new Error(r.message)))),
    );

  it('follows logs and runs a terminal on hub B for a container whose agent is on hub A', async () => {
    const lines: string[] = [];
    browser!.on('job', (e: { event: { type: string; text?: string } }) => e.event.type === 'log' && lines.push(e.event.text ?? ''));
    const logs = await open('logs:open', { hostId, container: 'mh-box' });
    await until(() => lines.includes('mh-line'), 'the log line on hub B');
    browser!.emit('session:close', { jobId: logs });

    let output = '';
    browser!.on('exec:output', (e: { data: Uint8Array }) => (output += Buffer.from(e.data).toString('utf8')));
    const exec = await open('exec:open', { hostId, container: 'mh-box', cmd: ['sh'] });
    browser!.emit('exec:input', { jobId: exec, data: 'echo $((20+22))-across\n' });
    await until(() => output.includes('42-across'), 'the terminal output on hub B');
    browser!.emit('session:close', { jobId: exec });
    await until(async () => (await a.server.hub.prisma.job.findUnique({ where: { id: exec } }))?.status === 'succeeded', 'the closed exec session');
  });

  it('downloads an export from hub B while the agent is connected to hub A', async () => {
    const res = await fetch(`${b.url}/api/v1/hosts/${hostId}/containers/mh-box/export`, { headers: { authorization: auth } });
    expect(res.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'drydock-mh-export-'));
    try {
      const file = join(dir, 'mh.tar');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const names = spawnSync('tar', ['-tf', file], { encoding: 'utf8' }).stdout.split('\n').map((n) => n.replace(/^\.?\//, ''));
      expect(names).toContain('mh.txt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
