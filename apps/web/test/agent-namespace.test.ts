import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type HelloAck, type HostFacts } from '@drydock/protocol';
import { startHubServer, type HubServer } from '../server/index.js';
import { ADMIN, api, tarOf, tokenFor, until } from './helpers/hub.js';

const facts: HostFacts = {
  hostname: 'fake-host',
  os: 'linux',
  distro: 'Debian GNU/Linux 12 (bookworm)',
  arch: 'x64',
  kernel: '6.1.0',
  cpus: 2,
  memoryBytes: 1 << 30,
  disk: { path: '/var/lib/drydock', totalBytes: 1e10, freeBytes: 5e9 },
  runtime: { name: 'crun', version: '1.8.1' },
};

/** The hub's /agent namespace driven by a hand-held socket.io client (the protocol's edge cases). */
describe('the /agent namespace', () => {
  let hub: HubServer;
  let dir: string;
  const sockets: Socket[] = [];

  function connect(auth: Record<string, string>): Socket {
    const s = io(`${hub.url}/agent`, { auth, transports: ['websocket'], reconnection: false });
    sockets.push(s);
    return s;
  }
  const refusal = (s: Socket) => new Promise<{ code: string }>((resolve) => s.once('connect_error', (e: Error & { data?: { code: string } }) => resolve(e.data!)));
  const hello = (s: Socket) => s.emitWithAck('hello', { protocolVersion: PROTOCOL_VERSION, agentVersion: 'test', facts, runningJobs: [] }) as Promise<HelloAck>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-ns-'));
    hub = await startHubServer({ port: 0, host: '127.0.0.1', dataDir: dir, admin: ADMIN, web: false });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses unknown tokens and a spent enrollment token', async () => {
    expect(await refusal(connect({ token: 'ddh_unknown' }))).toMatchObject({ code: 'unauthorized' });
    expect(await refusal(connect({}))).toMatchObject({ code: 'unauthorized' });
    expect(await refusal(connect({ token: 'ddh_x', protocolVersion: PROTOCOL_VERSION + 1 } as never))).toMatchObject({ code: 'version-unsupported' });
    const enroll = await hub.createEnrollToken('builder-1');
    const first = connect({ enrollToken: enroll });
    const ack = await hello(first);
    expect(ack.token).toMatch(/^ddh_/);
    expect(ack.journalSeq).toBe(0);
    expect(await refusal(connect({ enrollToken: enroll }))).toMatchObject({ code: 'enroll-token-used' });
    // The per-host token works from now on, for the same host.
    const again = connect({ token: ack.token! });
    expect((await hello(again)).hostId).toBe(ack.hostId);
    const admin = api(hub.url, `Bearer ${await tokenFor(hub.url, ADMIN.email, ADMIN.password)}`);
    const hosts = (await admin('GET', '/api/v1/hosts')).body as { id: string; name: string; status: string }[];
    expect(hosts.find((h) => h.id === ack.hostId)).toMatchObject({ name: 'builder-1', status: 'online' });
    first.close();
    again.close();
    await until(async () => ((await admin('GET', '/api/v1/hosts')).body as { id: string; status: string }[]).find((h) => h.id === ack.hostId)?.status === 'offline', 'the host offline');
  });

  it('stores each job event once, acks cumulatively, and audits journal entries once', async () => {
    const ack = await hello(connect({ enrollToken: await hub.createEnrollToken('builder-2') }));
    const agent = connect({ token: ack.token! });
    const jobs: { jobId: string }[] = [];
    agent.on('job:start', (j: { jobId: string }) => jobs.push(j));
    await hello(agent);
    const admin = api(hub.url, `Bearer ${await tokenFor(hub.url, ADMIN.email, ADMIN.password)}`);
    const started = await admin('POST', `/api/v1/hosts/${ack.hostId}/builds?t=x:1`, tarOf({ Dockerfile: 'FROM scratch\n' }));
    await until(() => jobs.length === 1, 'the job at the agent');
    const jobId = jobs[0]!.jobId;

    // host:status refreshes the disk use the hosts page shows.
    agent.emit('host:status', { disk: { path: '/var/lib/drydock', totalBytes: 1e10, freeBytes: 1234 }, images: { count: 0, bytes: 0 } });
    await until(async () => ((await admin('GET', '/api/v1/hosts')).body as { id: string; facts: HostFacts }[]).find((h) => h.id === ack.hostId)?.facts.disk.freeBytes === 1234, 'the new free space');

    const acks: number[] = [];
    agent.on('job:ack', (a: { seq: number }) => acks.push(a.seq));
    const ev = (seq: number, event: object) => ({ jobId, seq, timeMs: Date.now(), event });
    const batch1 = [ev(1, { type: 'started', kind: 'image.build' }), ev(2, { type: 'step', step: 1, name: '[1/1] RUN x' }), ev(3, { type: 'log', step: 1, stream: 'stdout', text: 'line A' })];
    agent.emit('job:events', { events: batch1 });
    // A reconnect re-sends what was not acked yet: the overlap must be dropped.
    agent.emit('job:events', { events: [...batch1.slice(1), ev(4, { type: 'log', step: 1, stream: 'stdout', text: 'line B' }), ev(5, { type: 'step-done', step: 1, durationMs: 12 }), ev(6, { type: 'done', durationMs: 20 })] });
    await until(() => acks.at(-1) === 6, 'the ack of seq 6');
    const build = (await admin('GET', `/api/v1/builds/${started.body.id}?logs=1`)).body;
    expect(build.status).toBe('succeeded');
    expect(build.logs.map((l: { line: string }) => l.line)).toEqual(['line A', 'line B']);
    expect(build.steps).toEqual([{ index: 1, name: '[1/1] RUN x', cached: false, status: 'done', durationMs: 12 }]);

    const journalAcks: number[] = [];
    agent.on('journal:ack', (a: { seq: number }) => journalAcks.push(a.seq));
    const entry = (seq: number) => ({ seq, timeMs: Date.now(), actor: 'os:alice', action: 'image.tag', target: `local:${seq}`, digest: null, detail: { password: 'p' } });
    agent.emit('journal', { entries: [entry(1), entry(2)] });
    agent.emit('journal', { entries: [entry(2), entry(3)] });
    await until(() => journalAcks.at(-1) === 3, 'the journal ack');
    const rows = (await admin('GET', '/api/v1/audit?action=image.tag&actor=alice')).body as { target: string; host: string; params: Record<string, unknown> }[];
    expect(rows.map((r) => r.target)).toEqual(['local:3', 'local:2', 'local:1']);
    expect(rows[0]).toMatchObject({ host: 'builder-2', params: { password: '[redacted]' } });
  });
});
