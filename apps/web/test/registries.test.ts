import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryServer, listen } from '@drydock/registry';
import type { HubServer } from '../server/index.js';
import { ADMIN, api, startHubWithAgent, tokenFor, trpcMutation, until } from './helpers/hub.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Registries with sealed credentials, browsed against Drydock's registry server with htpasswd. */
describe('registries', () => {
  let dir: string;
  let hub: HubServer;
  let withAgent: Awaited<ReturnType<typeof startHubWithAgent>>;
  let registry: Server;
  let registryUrl: string;
  let admin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-registries-'));
    writeFileSync(join(dir, 'htpasswd'), `robot:${bcrypt.hashSync('robot-pass', 4)}\n`);
    registry = createRegistryServer({ root: join(dir, 'registry'), htpasswd: join(dir, 'htpasswd') });
    registryUrl = (await listen(registry, '127.0.0.1:0')).url;
    // One image in it: a config blob and a manifest, pushed over the Distribution API.
    const auth = { authorization: `Basic ${Buffer.from('robot:robot-pass').toString('base64')}` };
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const up = await fetch(`${registryUrl}/v2/team/app/blobs/uploads/?digest=${sha(config)}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: config });
    expect(up.status).toBe(201);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: [] });
    const put = await fetch(`${registryUrl}/v2/team/app/manifests/1.0`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest });
    expect(put.status).toBe(201);
    withAgent = await startHubWithAgent();
    hub = withAgent.server;
    admin = `Bearer ${await tokenFor(hub.url, ADMIN.email, ADMIN.password)}`;
  });
  afterAll(async () => {
    await withAgent?.stop();
    await new Promise((r) => registry?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the password sealed, browses repositories and tags, and audits without the secret', async () => {
    const saved = await trpcMutation(hub.url, admin, 'registries.save', { name: 'team', url: registryUrl, username: 'robot', password: 'robot-pass' });
    expect(saved.status).toBe(200);
    const row = await hub.hub.prisma.registry.findUniqueOrThrow({ where: { name: 'team' } });
    expect(row.secretEnc).toMatch(/^v1\./);
    expect(row.secretEnc).not.toContain('robot-pass');

    const browse = await fetch(`${hub.url}/api/trpc/registries.browse?input=${encodeURIComponent(JSON.stringify({ id: row.id }))}`, { headers: { authorization: admin } });
    expect(((await browse.json()) as { result: { data: unknown } }).result.data).toEqual([{ name: 'team/app', tags: ['1.0'] }]);

    const audit = (await api(hub.url, admin)('GET', '/api/v1/audit?action=registry.login')).body;
    expect(audit[0]).toMatchObject({ target: registryUrl, params: { name: 'team', username: 'robot', password: '[redacted]' } });
    expect(JSON.stringify(audit)).not.toContain('robot-pass');
  });

  it('names refused credentials, and lets only admins save registries', async () => {
    await trpcMutation(hub.url, admin, 'registries.save', { name: 'wrong', url: registryUrl, username: 'robot', password: 'nope' });
    const row = await hub.hub.prisma.registry.findUniqueOrThrow({ where: { name: 'wrong' } });
    const browse = await fetch(`${hub.url}/api/trpc/registries.browse?input=${encodeURIComponent(JSON.stringify({ id: row.id }))}`, { headers: { authorization: admin } });
    expect(browse.status).toBe(403);
    expect(JSON.stringify(await browse.json())).toContain('refused the stored credentials');

    expect((await trpcMutation(hub.url, admin, 'users.create', { email: 'op@example.com', name: 'Op', password: 'password-123', role: 'operator' })).status).toBe(200);
    const op = `Bearer ${await tokenFor(hub.url, 'op@example.com', 'password-123')}`;
    expect((await trpcMutation(hub.url, op, 'registries.save', { name: 'x', url: registryUrl })).status).toBe(403);
  });

  it('pushes through the agent with the stored credentials, which the job record does not keep', async () => {
    const admin = api(hub.url, `Bearer ${await tokenFor(hub.url, ADMIN.email, ADMIN.password)}`);
    const hostId = withAgent.agent.hostId!;
    const target = `${new URL(registryUrl).host}/team/busybox:1`;
    const job = async (spec: object) => {
      const r = await admin('POST', `/api/v1/hosts/${hostId}/jobs`, spec);
      expect(r.status).toBe(201);
      return until(async () => {
        const j = (await admin('GET', `/api/v1/jobs/${r.body.id}`)).body;
        return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
      }, `${(spec as { kind: string }).kind}`);
    };
    expect((await job({ kind: 'image.tag', source: 'busybox:latest', target })).status).toBe('succeeded');
    const pushed = await job({ kind: 'image.push', ref: target });
    expect(pushed).toMatchObject({ status: 'succeeded', result: { digest: expect.stringMatching(/^sha256:/) } });
    const row = await hub.hub.prisma.job.findUniqueOrThrow({ where: { id: pushed.id } });
    expect(JSON.stringify(row.spec)).not.toContain('robot-pass');
    const team = await hub.hub.prisma.registry.findUniqueOrThrow({ where: { name: 'team' } });
    const browse = await fetch(`${hub.url}/api/trpc/registries.browse?input=${encodeURIComponent(JSON.stringify({ id: team.id }))}`, { headers: { authorization: `Bearer ${await tokenFor(hub.url, ADMIN.email, ADMIN.password)}` } });
    expect(((await browse.json()) as { result: { data: unknown } }).result.data).toEqual([
      { name: 'team/app', tags: ['1.0'] },
      { name: 'team/busybox', tags: ['1'] },
    ]);
    const audit = (await admin('GET', `/api/v1/audit?action=image.push&target=${encodeURIComponent(target)}`)).body;
    expect(audit[0]).toMatchObject({ outcome: 'success', actorName: ADMIN.email, digest: pushed.result.digest });
  });
});
