// npm run bench (hub part): one hub process with 1,000 simulated agents
// (socket.io clients), the latency of a RUN output line from an agent to a
// browser, and audit/inventory queries over 1,000,000 audit rows and 100,000
// images on PostgreSQL. Run with `npx vite-node bench/hub.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type HostFacts } from '@drydock/protocol';
import { ensureLocalHost } from '@drydock/api';
import { startHubServer } from '../apps/web/server/index.js';
import { startPostgres } from '../packages/db/test/helpers/postgres.js';
import { listAudit } from '../packages/api/src/services/audit.js';
import { listImages } from '../packages/api/src/services/inventory.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const LINES = 300;
const ADMIN = { email: 'bench@example.com', password: 'bench-password' };
const facts: HostFacts = {
  hostname: 'sim', os: 'linux', distro: 'Debian GNU/Linux 12 (bookworm)', arch: 'x64', kernel: '6.1.0', cpus: 2,
  memoryBytes: 1 << 30, disk: { path: '/var/lib/drydock', totalBytes: 1e11, freeBytes: 5e10 }, runtime: { name: 'crun', version: '1.8.1' },
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

const pg = await startPostgres();
const dir = mkdtempSync(join(tmpdir(), 'drydock-bench-hub-'));
const hub = await startHubServer({ port: 0, host: '127.0.0.1', dataDir: dir, databaseUrl: pg.url, admin: ADMIN, web: false });
const prisma = hub.hub.prisma;
const sockets: Socket[] = [];
try {
  // 1,000 agents: enrolled hosts, connected, hello answered, an inventory each.
  const tokens: string[] = [];
  for (let i = 0; i < AGENTS; i++) tokens.push(await ensureLocalHost(prisma, `sim-${i}`));
  console.log(`${AGENTS} hosts enrolled`);
  const [, connectMs] = await timed(() =>
    Promise.all(
      tokens.map(async (token, i) => {
        const s = io(`${hub.url}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(s);
        await s.emitWithAck('hello', { protocolVersion: PROTOCOL_VERSION, agentVersion: 'bench', facts: { ...facts, hostname: `sim-${i}` }, runningJobs: [] });
        s.emit('inventory:full', { images: [], containers: [] });
      }),
    ),
  );
  const online = await prisma.host.count({ where: { connected: true } });
  console.log(`agents: ${online}/${AGENTS} connected and said hello in ${ms(connectMs)}; hub RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);

  // A RUN line from agent 0 to a browser on /ui: stored, then pushed.
  const login = await fetch(`${hub.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const browser = io(`${hub.url}/ui`, { extraHeaders: { cookie }, transports: ['websocket'] });
  sockets.push(browser);
  await new Promise((r) => browser.once('connect', r));
  const agent = sockets[0]!;
  const basic = `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64')}`;
  const { token } = (await (await fetch(`${hub.url}/api/v1/tokens`, { method: 'POST', headers: { authorization: basic } })).json()) as { token: string };
  const host0 = await prisma.host.findUniqueOrThrow({ where: { name: 'sim-0' } });
  const jobStarted = new Promise<string>((resolve) => agent.once('job:start', (j: { jobId: string }) => resolve(j.jobId)));
  await fetch(`${hub.url}/api/v1/hosts/${host0.id}/builds?t=bench:1`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: 'FROM scratch\n' });
  const jobId = await jobStarted;
  const latencies: number[] = [];
  let seq = 0;
  agent.emit('job:events', { events: [{ jobId, seq: ++seq, timeMs: Date.now(), event: { type: 'started', kind: 'image.build' } }] });
  for (let i = 0; i < LINES; i++) {
    const got = new Promise<void>((resolve) => {
      const on = (e: { seq: number; timeMs: number; event: { type: string } }) => {
        if (e.event.type !== 'log' || e.seq !== seq) return;
        latencies.push(Date.now() - e.timeMs);
        browser.off('job', on);
        resolve();
      };
      browser.on('job', on);
    });
    agent.emit('job:events', { events: [{ jobId, seq: ++seq, timeMs: Date.now(), event: { type: 'log', step: 1, stream: 'stdout', text: `line ${i}` } }] });
    await got;
  }
  console.log(`RUN line agent → hub → browser, ${LINES} lines with ${AGENTS} agents connected: p50 ${ms(pct(latencies, 50))}, p99 ${ms(pct(latencies, 99))} (target p99 < 100 ms)`);
  for (const s of sockets) s.close();
  sockets.length = 0;

  // 1,000,000 audit rows and 100,000 images (generated in SQL; the chain is not the point here).
  const [, fillMs] = await timed(async () => {
    await prisma.$executeRawUnsafe(`
      ALTER TABLE "AuditLog" DISABLE TRIGGER USER;
      INSERT INTO "AuditLog" ("createdAt", actor, "actorName", action, "hostName", target, digest, params, outcome, "prevHash", hash)
      SELECT now() - (g || ' seconds')::interval, 'user:u' || (g % 50) || '@example.com', 'u' || (g % 50) || '@example.com',
             (ARRAY['image.build','image.push','image.pull','image.tag','image.rm'])[1 + g % 5], 'sim-' || (g % ${AGENTS}),
             'app' || (g % 5000) || ':' || (g % 7), NULL, '{}'::jsonb, 'success', md5((g - 1)::text), md5(g::text) || md5('x' || g)
      FROM generate_series(1, 1000000) g;
      ALTER TABLE "AuditLog" ENABLE TRIGGER USER;`);
    await prisma.$executeRawUnsafe(`
      INSERT INTO "Image" (id, "hostId", "imageId", "repoTags", "repoDigests", created, size, labels, intermediate, "updatedAt")
      SELECT 'img' || g, h.id, 'sha256:' || md5(g::text) || md5('i' || g), ARRAY['team/app' || (g % 1000) || ':' || (g % 100)], ARRAY[]::text[],
             to_char(now() - (g || ' seconds')::interval, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 1000000 + g, '{}'::jsonb, false, now()
      FROM generate_series(1, 100000) g JOIN LATERAL (SELECT id FROM "Host" ORDER BY name OFFSET (g % ${AGENTS}) LIMIT 1) h ON true;
      ANALYZE "AuditLog"; ANALYZE "Image";`);
  });
  console.log(`filled 1,000,000 audit rows and 100,000 images in ${(fillMs / 1000).toFixed(1)} s`);
  const queries: [string, () => Promise<unknown>][] = [
    ['audit: newest 200', () => listAudit(prisma, { take: 200 })],
    ['audit: action=image.push', () => listAudit(prisma, { action: 'image.push', take: 200 })],
    ['audit: host=sim-7', () => listAudit(prisma, { host: 'sim-7', take: 200 })],
    ['audit: actor~u7@', () => listAudit(prisma, { actor: 'u7@', take: 200 })],
    ['audit: target~app42:', () => listAudit(prisma, { target: 'app42:', take: 200 })],
    ['images: one host', async () => listImages(prisma, { hostId: (await prisma.host.findFirstOrThrow({ where: { name: 'sim-3' } })).id })],
    ['images: all hosts, newest 1000', () => listImages(prisma, {})],
  ];
  for (const [name, q] of queries) {
    await q();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await timed(q))[1]);
    console.log(`${name.padEnd(32)} median ${ms(pct(times, 50))} (target < 50 ms)`);
  }
} finally {
  for (const s of sockets) s.close();
  await hub.close();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
