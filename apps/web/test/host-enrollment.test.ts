import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { io as connectIo, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAgentLog, removeHost, scanHostKey } from '@drydock/hosts';
import { keyPair, startSshHost, type SshTestHost } from '../../../packages/hosts/test/helpers/ssh-host.js';
import { repoRoot } from '../../cli/test/helpers/cli.js';
import { startHubServer, type HubServer } from '../server/index.js';
import { ADMIN, api, tokenFor, trpcMutation, until } from './helpers/hub.js';

/**
 * Issue 7 end to end: a real hub (PGlite) enrolls Debian's OpenSSH server in a network
 * namespace over SSH with the REAL single-file agent bundle (apps/agent/build.mjs), the agent
 * comes online through the /agent namespace, and the hub restarts, upgrades, reads the log of
 * and removes it. The namespace shares this machine's filesystem, so the agent gets its own
 * install prefix and state root under a temporary directory.
 */
let work: string;
let bundle: string;
let ssh: SshTestHost;
let server: HubServer;
let admin: ReturnType<typeof api>;
let adminToken: string;
let hubUrlForAgent: string;
let prefix: string;
let agentRoot: string;
let ui: Socket;
const uiSteps: { operation: string; hostName: string; step: string; status: string; detail?: string }[] = [];

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), `drydock-enroll-e2e-${process.pid}-`));
  const built = execFileSync(process.execPath, [join(repoRoot, 'apps/agent/build.mjs')], { encoding: 'utf8' }).trim();
  bundle = join(work, 'drydock.mjs');
  copyFileSync(built, bundle);
  ssh = await startSshHost();
  // The hub listens on every address: the agent in the namespace reaches it over the veth link.
  server = await startHubServer({ port: 0, host: '0.0.0.0', dataDir: join(work, 'hub'), admin: ADMIN, web: false });
  const port = new URL(server.url).port;
  hubUrlForAgent = `http://${ssh.peerAddress}:${port}`;
  prefix = join(work, 'drydock-agent');
  agentRoot = join(work, 'agent-root');
  server.hub.hostAgents = { bundlePath: bundle, install: { prefix, unitName: `drydock-agent-e2e-${randomBytes(3).toString('hex')}`, agentRoot }, onlineTimeoutMs: 30_000 };
  adminToken = await tokenFor(server.url, ADMIN.email, ADMIN.password);
  admin = api(server.url, `Bearer ${adminToken}`);
  ui = connectIo(`${server.url}/ui`, { extraHeaders: { authorization: `Bearer ${adminToken}` }, transports: ['websocket'] });
  ui.on('host:step', (e: (typeof uiSteps)[number]) => uiSteps.push(e));
  await until(() => ui.connected, 'the /ui socket');
});

afterAll(async () => {
  ui?.close();
  await server?.close();
  await ssh?.close(); // kills what still runs in the namespace (the agent)
  if (work) rmSync(work, { recursive: true, force: true });
});

const rootSsh = () => ({ host: ssh.address, port: ssh.port, username: 'root', privateKey: ssh.rootKey.privateKey });
const hostNamed = async (name: string) => ((await admin('GET', '/api/v1/hosts')).body as { id: string; name: string; status: string }[]).find((h) => h.name === name);

describe('POST /api/v1/hosts', () => {
  it('is for admins: 401 without credentials, 403 for an operator (audited)', async () => {
    const anonymous = await api(server.url)('POST', '/api/v1/hosts', { name: 'nope', ssh: rootSsh() });
    expect(anonymous.status).toBe(401);
    const created = await trpcMutation(server.url, `Bearer ${adminToken}`, 'users.create', { email: 'otto@example.com', name: 'Otto', password: 'password-123', role: 'operator' });
    expect(created.status).toBe(200);
    const operator = api(server.url, `Bearer ${await tokenFor(server.url, 'otto@example.com', 'password-123')}`);
    const refused = await operator('POST', '/api/v1/hosts', { name: 'nope', ssh: rootSsh() });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('admin role required (you are operator)');
    const audit = await admin('GET', '/api/v1/audit?action=host.enroll&target=nope');
    expect(audit.body.map((r: { outcome: string; actor: string }) => [r.actor, r.outcome])).toEqual([['token:api@otto@example.com', 'denied']]);
    expect(await hostNamed('nope')).toBeUndefined();
  });

  it('refuses a key the server does not accept with 401 and leaves no host behind', async () => {
    const stranger = keyPair(join(work, 'stranger'), '');
    const r = await admin('POST', '/api/v1/hosts', { name: 'wrong-key', ssh: { ...rootSsh(), privateKey: stranger.privateKey }, hubUrl: hubUrlForAgent });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: 'auth-failed', message: `authentication failed for root@${ssh.address}:22: the key or password was refused` });
    expect(r.body.steps).toEqual([{ step: 'connect', status: 'failed', detail: r.body.message }]);
    expect(JSON.stringify(r.body)).not.toContain('PRIVATE KEY');
    expect(await hostNamed('wrong-key')).toBeUndefined();
    expect(existsSync(prefix)).toBe(false);
    const audit = await admin('GET', '/api/v1/audit?action=host.enroll&target=wrong-key');
    expect(audit.body).toHaveLength(1);
    expect(audit.body[0]).toMatchObject({ outcome: 'failure', params: { code: 'auth-failed', ssh: { host: ssh.address, username: 'root', auth: 'key' } } });
    expect(JSON.stringify(audit.body)).not.toContain('PRIVATE KEY');
  });

  it('answers a host without sudo (403), an unreachable port (504) and an agent that never reaches the hub (504) with one line each, and leaves nothing behind', async () => {
    const plain = await admin('POST', '/api/v1/hosts', { name: 'no-sudo', ssh: { host: ssh.address, username: ssh.plainUser.name, password: ssh.plainUser.password }, hubUrl: hubUrlForAgent });
    expect(plain.status).toBe(403);
    expect(plain.body.error).toBe('no-sudo');
    expect(plain.body.message).toMatch(new RegExp(`^${ssh.plainUser.name}@${ssh.address.replace(/\./g, '\\.')}:22 is not root and has no passwordless sudo`));
    expect(JSON.stringify(plain.body)).not.toContain(ssh.plainUser.password);

    const closed = await admin('POST', '/api/v1/hosts', { name: 'closed', ssh: { ...rootSsh(), port: 2 }, hubUrl: hubUrlForAgent });
    expect(closed.status).toBe(504);
    expect(closed.body).toMatchObject({ error: 'unreachable', message: `cannot reach root@${ssh.address}:2: ECONNREFUSED` });

    // The agent is installed and started, but the hub URL it was given leads nowhere: rolled back.
    const config = server.hub.hostAgents!;
    server.hub.hostAgents = { ...config, onlineTimeoutMs: 3000 };
    try {
      const lost = await admin('POST', '/api/v1/hosts', { name: 'lost', ssh: rootSsh(), hubUrl: `http://${ssh.peerAddress}:9` });
      expect(lost.status).toBe(504);
      expect(lost.body.error).toBe('agent-offline');
      expect(lost.body.message).toBe(`the agent on root@${ssh.address}:22 did not come online: it did not connect within 3 s (is the hub URL reachable from the host?)`);
      expect(lost.body.steps.slice(-2).map((s: { step: string; status: string }) => `${s.step}:${s.status}`)).toEqual(['online:failed', 'rollback:done']);
    } finally {
      server.hub.hostAgents = config;
    }
    expect(existsSync(prefix)).toBe(false);
    for (const name of ['no-sudo', 'closed', 'lost']) expect(await hostNamed(name)).toBeUndefined();
    expect(await server.hub.prisma.hostToken.count({ where: { kind: 'enroll' } })).toBe(0);
    expect(await server.hub.prisma.hostSsh.count()).toBe(0);
  });

  it('refuses bad input with one line and 400', async () => {
    const r = await admin('POST', '/api/v1/hosts', { name: 'no-secret', ssh: { host: ssh.address, username: 'root' } });
    expect(r).toMatchObject({ status: 400, body: { error: 'bad-request', message: 'ssh.privateKey or ssh.password is required' } });
    const bad = await admin('POST', '/api/v1/hosts', { name: 'x y', ssh: rootSsh() });
    expect(bad.status).toBe(400);
    // Without hubUrl the agent would be told the hub's own URL, here a loopback address.
    const loopback = await admin('POST', '/api/v1/hosts', { name: 'no-hub-url', ssh: rootSsh() });
    expect(loopback).toMatchObject({ status: 400, body: { message: `the hub's own URL ${server.url} is a loopback address ${ssh.address} cannot reach: give hubUrl` } });
    expect(await hostNamed('no-hub-url')).toBeUndefined();
  });
});

describe('a host enrolled over SSH with the real agent bundle', () => {
  let hostId: string;

  it('installs the agent, which comes online; each step streams to the browser and is audited', async () => {
    const r = await admin('POST', '/api/v1/hosts', { name: 'netns-1', ssh: rootSsh(), hubUrl: hubUrlForAgent });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    hostId = r.body.host.id;
    const done = ['connect', 'platform', 'privileges', 'node', 'packages', 'upload', 'verify', 'service', 'online'];
    expect(r.body.steps.map((s: { step: string; status: string }) => `${s.step}:${s.status}`)).toEqual(done.map((s) => `${s}:done`));
    expect(r.body.ssh).toMatchObject({ address: ssh.address, port: 22, username: 'root', auth: 'key', hostKeyFingerprint: ssh.hostKeyFingerprint, pendingHostKeyFingerprint: null, hubUrl: hubUrlForAgent, mode: 'detached' });
    expect(r.body.ssh.bundleVersion).toMatch(/^Drydock version /);
    expect(JSON.stringify(r.body)).not.toContain('PRIVATE KEY');

    // Online in the host list, with the facts the real agent reported.
    const listed = await hostNamed('netns-1');
    expect(listed).toMatchObject({ id: hostId, status: 'online' });
    const one = await admin('GET', `/api/v1/hosts/${hostId}`);
    expect(one.body.facts.os).toBe('linux');
    expect(one.body.agentVersion).toBeTruthy();

    // The browser saw every step running then done, in order.
    const seen = uiSteps.filter((e) => e.hostName === 'netns-1' && e.operation === 'enroll').map((e) => `${e.step}:${e.status}`);
    expect(seen).toEqual(done.flatMap((s) => [`${s}:running`, `${s}:done`]));

    // The uploaded bundle is ours; the agent keeps its state in its own root.
    expect(sha256(join(prefix, 'drydock.mjs'))).toBe(sha256(bundle));
    expect(existsSync(join(agentRoot, 'agent', 'agent.db'))).toBe(true);

    // Credentials are sealed at rest, bound to the host.
    const row = await server.hub.prisma.hostSsh.findUniqueOrThrow({ where: { hostId } });
    expect(row.secretEnc).toMatch(/^dd1\./);
    expect(row.secretEnc).not.toContain('PRIVATE');
    const enrollToken = await server.hub.prisma.hostToken.findFirstOrThrow({ where: { hostId, kind: 'enroll' } });
    expect(enrollToken.usedAt).not.toBeNull();

    const audit = await admin('GET', '/api/v1/audit?action=host.enroll&host=netns-1');
    const mine = audit.body.find((a: { actor: string }) => a.actor === `token:api@${ADMIN.email}`);
    expect(mine).toMatchObject({ outcome: 'success', params: { hostKeyFingerprint: ssh.hostKeyFingerprint, mode: 'detached' } });
    expect(JSON.stringify(audit.body)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(audit.body)).not.toContain('dde_');

    const shown = await admin('GET', `/api/v1/hosts/${hostId}/ssh`);
    expect(Object.keys(shown.body)).not.toContain('secretEnc');
  });

  it('refuses a second host of the same name with 409 before touching SSH', async () => {
    const r = await admin('POST', '/api/v1/hosts', { name: 'netns-1', ssh: rootSsh(), hubUrl: hubUrlForAgent });
    expect(r).toMatchObject({ status: 409, body: { error: 'conflict', message: 'a host named netns-1 exists already' } });
  });

  it('reads the agent log, restarts and upgrades the agent', async () => {
    const log = await admin('GET', `/api/v1/hosts/${hostId}/agent-log?lines=50`);
    expect(log.status).toBe(200);
    expect(log.body.log).toContain(`connected to ${hubUrlForAgent} as host ${hostId}`);

    const restarted = await admin('POST', `/api/v1/hosts/${hostId}/restart`);
    expect(restarted.status, JSON.stringify(restarted.body)).toBe(200);
    expect(restarted.body.steps.map((s: { step: string }) => s.step)).toEqual(['connect', 'service']);
    await until(async () => (await hostNamed('netns-1'))?.status === 'online', 'the restarted agent');

    const upgraded = await admin('POST', `/api/v1/hosts/${hostId}/upgrade`);
    expect(upgraded.status, JSON.stringify(upgraded.body)).toBe(200);
    expect(upgraded.body.bundleSha256).toBe(sha256(bundle));
    expect(upgraded.body.steps.map((s: { step: string }) => s.step)).toEqual(['connect', 'upload', 'verify', 'service']);
    await until(async () => (await hostNamed('netns-1'))?.status === 'online', 'the upgraded agent');

    const actions = (await admin('GET', '/api/v1/audit?host=netns-1')).body.map((a: { action: string; outcome: string }) => `${a.action}:${a.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['host.log:success', 'host.restart:success', 'host.upgrade:success']));
  });

  it('refuses a changed host key until an admin accepts the key the host presents', async () => {
    const rotated = await ssh.rotateHostKey();
    const refused = await admin('POST', `/api/v1/hosts/${hostId}/restart`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: 'host-key-changed',
      message: `host key changed for root@${ssh.address}:22: expected ${ssh.hostKeyFingerprint} got ${rotated} (accept the new key to continue)`,
    });
    const info = await admin('GET', `/api/v1/hosts/${hostId}/ssh`);
    expect(info.body).toMatchObject({ hostKeyFingerprint: ssh.hostKeyFingerprint, pendingHostKeyFingerprint: rotated });
    expect((await admin('GET', `/api/v1/hosts/${hostId}/host-key`)).body).toEqual({ pinned: ssh.hostKeyFingerprint, pending: rotated, seen: rotated, matches: false });

    // Accepting a key the host does not present changes nothing.
    const wrong = await admin('POST', `/api/v1/hosts/${hostId}/host-key`, { fingerprint: ssh.hostKeyFingerprint });
    expect(wrong.status).toBe(409);

    const accepted = await admin('POST', `/api/v1/hosts/${hostId}/host-key`, { fingerprint: rotated });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ hostKeyFingerprint: rotated, pendingHostKeyFingerprint: null });
    const again = await admin('POST', `/api/v1/hosts/${hostId}/restart`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    await until(async () => (await hostNamed('netns-1'))?.status === 'online', 'the agent after the key change');
    const keyAudit = await admin('GET', `/api/v1/audit?action=host.key-accept&host=netns-1`);
    expect(keyAudit.body.map((a: { outcome: string }) => a.outcome).sort()).toEqual(['failure', 'success']);
  });

  it('removes the host: agent stopped, files gone, token revoked', async () => {
    const db = new Database(join(agentRoot, 'agent', 'agent.db'), { readonly: true });
    const hostToken = (db.prepare("SELECT value FROM kv WHERE key = 'token'").get() as { value: string }).value;
    db.close();
    const pid = Number(readFileSync(join(prefix, 'agent.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);

    const removed = await admin('DELETE', `/api/v1/hosts/${hostId}`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({ removed: true, tokensRevoked: true });
    expect(removed.body.steps.map((s: { step: string }) => s.step)).toEqual(['connect', 'stop', 'uninstall']);
    expect(existsSync(prefix)).toBe(false);
    expect(existsSync(join(agentRoot, 'agent'))).toBe(false); // its token on disk is gone too
    expect(existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(false);
    expect(await hostNamed('netns-1')).toBeUndefined();
    expect(await server.hub.prisma.hostToken.count({ where: { hostId } })).toBe(0);

    // The agent's own token no longer opens the /agent namespace.
    const agentSocket = connectIo(`${server.url}/agent`, { auth: { token: hostToken }, transports: ['websocket'], reconnection: false });
    const refusal = await new Promise<{ message: string; data?: { code?: string } }>((resolve) => agentSocket.on('connect_error', resolve));
    agentSocket.close();
    expect(refusal.data?.code).toBe('unauthorized');
    expect((await admin('GET', '/api/v1/audit?action=host.remove&host=netns-1')).body[0]).toMatchObject({ outcome: 'success' });
  });
});

describe('a host enrolled through passwordless sudo with a passphrase-protected key', () => {
  it('pins a key given up front, manages the agent with the sealed key and passphrase, and removes it', async () => {
    const creds = { host: ssh.address, username: ssh.sudoUser.name, privateKey: ssh.sudoUser.key.privateKey, passphrase: ssh.sudoUser.passphrase };
    // The admin pins the current key up front (the earlier test rotated it).
    const fingerprint = await scanHostKey({ host: ssh.address });
    const r = await admin('POST', '/api/v1/hosts', { name: 'netns-sudo', ssh: { ...creds, hostKeyFingerprint: fingerprint }, hubUrl: hubUrlForAgent });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.steps.find((s: { step: string }) => s.step === 'privileges').detail).toBe('passwordless sudo');
    expect(r.body.steps.find((s: { step: string }) => s.step === 'connect').detail).toContain('matches the pinned key');
    expect(JSON.stringify(r.body)).not.toContain(ssh.sudoUser.passphrase);
    const id = r.body.host.id;
    expect(await hostNamed('netns-sudo')).toMatchObject({ status: 'online' });
    const log = await admin('GET', `/api/v1/hosts/${id}/agent-log`);
    expect(log.body.log).toContain(`as host ${id}`);
    const audit = JSON.stringify((await admin('GET', '/api/v1/audit?host=netns-sudo')).body);
    expect(audit).not.toContain(ssh.sudoUser.passphrase);
    const removed = await admin('DELETE', `/api/v1/hosts/${id}`);
    expect(removed.body).toMatchObject({ removed: true, tokensRevoked: true });
    expect(existsSync(prefix)).toBe(false);
  });
});

describe('removing hosts the hub cannot manage over SSH', () => {
  it('deletes a host enrolled by hand (no SSH): its token is revoked', async () => {
    await server.localAgentToken(); // a host record with a per-host token, as `drydock up` makes
    const local = (await admin('GET', '/api/v1/hosts')).body.find((h: { name: string }) => !h.name.startsWith('netns'));
    expect((await admin('GET', `/api/v1/hosts/${local.id}/ssh`)).status).toBe(404);
    expect((await admin('POST', `/api/v1/hosts/${local.id}/restart`)).body.message).toBe(`host ${local.name} was not enrolled over SSH: the hub cannot manage its agent`);
    const removed = await admin('DELETE', `/api/v1/hosts/${local.id}`);
    expect(removed).toMatchObject({ status: 200, body: { removed: false, tokensRevoked: true, steps: [] } });
    expect(await server.hub.prisma.hostToken.count({ where: { hostId: local.id } })).toBe(0);
  });

  it('refuses to forget an unreachable host unless forced, then drops its connected agent', async () => {
    const r = await admin('POST', '/api/v1/hosts', { name: 'netns-force', ssh: rootSsh(), hubUrl: hubUrlForAgent });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = r.body.host.id;
    // The host moves away (its SSH port is now closed); the agent stays connected.
    await server.hub.prisma.hostSsh.update({ where: { hostId: id }, data: { port: 2 } });
    const refused = await admin('DELETE', `/api/v1/hosts/${id}`);
    expect(refused).toMatchObject({ status: 504, body: { error: 'unreachable', message: `cannot reach root@${ssh.address}:2: ECONNREFUSED` } });
    expect(await hostNamed('netns-force')).toMatchObject({ status: 'online' });

    const forced = await admin('DELETE', `/api/v1/hosts/${id}?force=1`);
    expect(forced).toMatchObject({ status: 200, body: { removed: false, tokensRevoked: true } });
    expect(await hostNamed('netns-force')).toBeUndefined();
    // The agent was disconnected and its token no longer opens the namespace: it says so in its log.
    const manage = { ssh: { host: ssh.address, username: 'root', privateKey: ssh.rootKey.privateKey }, hostKeyFingerprint: r.body.ssh.hostKeyFingerprint, install: server.hub.hostAgents!.install! };
    await until(async () => (await readAgentLog(manage)).includes('unknown host token'), 'the agent to be refused');
    expect((await removeHost(manage)).removed).toBe(true); // what a forced removal leaves on the host
  });
});
