import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { createRegistryServer, listen } from '@drydock/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar } from '../../cli/test/helpers/cli.js';
import { tarNames } from './helpers/tar.js';
import { ADMIN, api, startHubWithAgent, tokenFor, trpcMutation, until } from './helpers/hub.js';

type Setup = Awaited<ReturnType<typeof startHubWithAgent>>;

/**
 * The images API behind the dashboard's images pages, against a real agent: history and
 * inspect answered by the agent, actions as audited jobs (viewers refused), Docker's
 * multi-tag conflict surfaced, a save downloaded through the hub (loaded by dockerd), and
 * uploads imported or loaded into the agent's store.
 */
describe('images API', () => {
  let s: Setup;
  let base: string;
  let hostId: string;
  let admin: ReturnType<typeof api>;
  let operator: ReturnType<typeof api>;
  let viewer: ReturnType<typeof api>;
  let operatorAuth: string;
  let viewerAuth: string;
  const dockerTag = `drydock-hub-save/busybox:${process.pid}`;

  const job = (id: string) => until(async () => {
    const r = await admin('GET', `/api/v1/jobs/${id}`);
    return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
  }, `job ${id}`);
  const auditRows = (query: string, n = 1) => until(async () => {
    const r = await admin('GET', `/api/v1/audit?${query}`);
    return r.body.length >= n ? (r.body as Record<string, unknown>[]) : undefined;
  }, `audit rows for ${query}`);
  const localImages = () => s.cli.run(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    s = await startHubWithAgent();
    base = s.server.url;
    hostId = s.agent.hostId!;
    const adminAuth = `Bearer ${await tokenFor(base, ADMIN.email, ADMIN.password)}`;
    admin = api(base, adminAuth);
    for (const [email, role] of [['olga@example.com', 'operator'], ['vic@example.com', 'viewer']] as const) {
      expect((await trpcMutation(base, adminAuth, 'users.create', { email, name: email, password: 'password-123', role })).status).toBe(200);
    }
    operatorAuth = `Bearer ${await tokenFor(base, 'olga@example.com', 'password-123')}`;
    viewerAuth = `Bearer ${await tokenFor(base, 'vic@example.com', 'password-123')}`;
    operator = api(base, operatorAuth);
    viewer = api(base, viewerAuth);
  });
  afterAll(async () => {
    spawnSync('docker', ['rmi', '-f', dockerTag]);
    await s?.stop();
  });

  it('answers history with Docker\'s columns and inspect as image inspect does, for any role', async () => {
    const id = JSON.parse(s.cli.run(['inspect', 'busybox:latest']).stdout)[0].Id as string;
    const history = await viewer('GET', `/api/v1/hosts/${hostId}/images/history?ref=busybox:latest`);
    expect(history.status).toBe(200);
    const cliHistory = s.cli.run(['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}', 'busybox:latest']).stdout.trim().split('\n');
    expect(history.body.map((h: { id: string; createdBy: string; comment: string }) => `${h.id}|${h.createdBy}|${h.comment}`)).toEqual(cliHistory);
    expect(history.body[0]).toMatchObject({ id, tags: ['busybox:latest'], size: expect.any(Number) });
    expect(history.body[0].size).toBeGreaterThan(0);

    const inspect = await viewer('GET', `/api/v1/hosts/${hostId}/images/inspect?ref=${id.slice(7, 19)}`);
    expect(inspect.status).toBe(200);
    expect(inspect.body).toEqual(JSON.parse(s.cli.run(['inspect', 'busybox:latest']).stdout));

    const missing = await viewer('GET', `/api/v1/hosts/${hostId}/images/history?ref=no-such:image`);
    expect(missing).toMatchObject({ status: 404, body: { message: 'No such image: no-such:image' } });
    expect((await viewer('GET', `/api/v1/hosts/nope/images/inspect?ref=busybox`)).status).toBe(404);
    expect((await api(base)('GET', `/api/v1/hosts/${hostId}/images/inspect?ref=busybox`)).status).toBe(401);
    // The dashboard's tRPC query answers the same.
    const r = await fetch(`${base}/api/trpc/images.inspect?input=${encodeURIComponent(JSON.stringify({ hostId, ref: 'busybox:latest' }))}`, { headers: { authorization: viewerAuth } });
    expect(((await r.json()) as { result: { data: { Id: string } } }).result.data.Id).toBe(id);
  });

  it('refuses viewers every image action and audits each refusal', async () => {
    const actions = [
      { kind: 'image.tag', source: 'busybox:latest', target: 'vic:1' },
      { kind: 'image.push', ref: 'localhost:5000/busybox:latest' },
      { kind: 'image.pull', ref: 'localhost:5000/busybox:latest' },
      { kind: 'image.rm', ref: 'busybox:latest', force: true },
    ];
    for (const action of actions) {
      const r = await trpcMutation(base, viewerAuth, 'images.action', { hostId, action });
      expect(r.status).toBe(403);
      expect(r.body.error.message).toBe(`operator role required to ${action.kind} (you are viewer)`);
    }
    expect((await trpcMutation(base, viewerAuth, 'images.save', { hostId, refs: ['busybox:latest'] })).status).toBe(403);
    const upload = await viewer('POST', `/api/v1/hosts/${hostId}/images/upload?ref=vic:up`, readFileSync(busyboxTar));
    expect(upload.status).toBe(403);
    for (const action of ['image.tag', 'image.push', 'image.pull', 'image.rm', 'image.save', 'image.import']) {
      const [row] = await auditRows(`action=${action}&actor=vic@example.com`);
      expect(row).toMatchObject({ outcome: 'denied', actorName: 'vic@example.com', hostId });
    }
    expect(localImages()).toEqual(['busybox:latest']); // nothing happened
  });

  it('imports an uploaded root filesystem tar into the agent\'s store, audited as the operator', async () => {
    const r = await operator('POST', `/api/v1/hosts/${hostId}/images/upload?ref=uploaded:1&message=from+the+browser`, readFileSync(busyboxTar));
    expect(r).toMatchObject({ status: 201, body: { kind: 'image.import' } });
    expect(await job(r.body.id)).toMatchObject({ status: 'succeeded', result: { imageId: expect.stringMatching(/^sha256:/) } });
    expect(localImages()).toContain('uploaded:1');
    expect(s.cli.run(['history', '--format', '{{.Comment}}', 'uploaded:1']).stdout).toBe('from the browser\n');
    const [row] = await auditRows('action=image.import&target=uploaded:1');
    expect(row).toMatchObject({ outcome: 'success', actorName: 'olga@example.com' });
    expect((await operator('POST', `/api/v1/hosts/${hostId}/images/upload`, Buffer.alloc(0))).status).toBe(400);
  });

  it('tags as an operator and surfaces Docker\'s multi-tag conflict until forced', async () => {
    const tag = await trpcMutation(base, operatorAuth, 'images.action', { hostId, action: { kind: 'image.tag', source: 'uploaded:1', target: 'uploaded:2' } });
    expect(tag.status).toBe(200);
    expect(await job(tag.body.result.data.jobId)).toMatchObject({ status: 'succeeded' });
    const [tagRow] = await auditRows('action=image.tag&target=uploaded:2');
    expect(tagRow).toMatchObject({ outcome: 'success', actorName: 'olga@example.com' });

    const id = JSON.parse(s.cli.run(['inspect', 'uploaded:1']).stdout)[0].Id as string;
    const rm = await trpcMutation(base, operatorAuth, 'images.action', { hostId, action: { kind: 'image.rm', ref: id } });
    const failed = await job(rm.body.result.data.jobId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe(`conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    const [failRow] = await auditRows(`action=image.rm&target=${id}`);
    expect(failRow).toMatchObject({ outcome: 'failure', params: expect.objectContaining({ code: 'conflict' }) });
    expect(localImages()).toEqual(expect.arrayContaining(['uploaded:1', 'uploaded:2']));

    const forced = await trpcMutation(base, operatorAuth, 'images.action', { hostId, action: { kind: 'image.rm', ref: id, force: true } });
    expect(await job(forced.body.result.data.jobId)).toMatchObject({ status: 'succeeded', result: { removed: expect.arrayContaining([{ untagged: 'uploaded:1' }, { deleted: id }]) } });
    expect(localImages()).toEqual(['busybox:latest']);
  });

  it('saves as a download that docker loads, and loads it back from an upload', async () => {
    const started = await trpcMutation(base, operatorAuth, 'images.save', { hostId, refs: ['busybox:latest'] });
    expect(started.status).toBe(200);
    const jobId = started.body.result.data.jobId as string;
    const done = await job(jobId);
    expect(done.status).toBe('succeeded');
    const res = await fetch(`${base}/api/v1/jobs/${jobId}/download`, { headers: { authorization: operatorAuth } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="busybox_latest.tar"');
    const data = Buffer.from(await res.arrayBuffer());
    expect(data.length).toBe(done.result.bytes);
    expect(await tarNames(data)).toEqual(expect.arrayContaining(['manifest.json', 'repositories']));
    // Only who started it (or an admin) fetches it.
    expect((await viewer('GET', `/api/v1/jobs/${jobId}/download`)).status).toBe(403);
    expect((await admin('GET', `/api/v1/jobs/${jobId}/download`)).status).toBe(200);
    // Scripts start the same save over REST; the tar is the same size.
    const viaRest = await operator('POST', `/api/v1/hosts/${hostId}/images/save?ref=busybox:latest`);
    expect(viaRest.status).toBe(201);
    expect(await job(viaRest.body.id)).toMatchObject({ status: 'succeeded', result: { bytes: data.length } });
    expect((await viewer('POST', `/api/v1/hosts/${hostId}/images/save?ref=busybox:latest`)).status).toBe(403);
    expect((await operator('POST', `/api/v1/hosts/${hostId}/images/save`)).status).toBe(400);
    const [row] = await auditRows('action=image.save&actor=olga@example.com&target=busybox:latest');
    expect(row).toMatchObject({ outcome: 'success', hostId });

    // dockerd loads it with our image id.
    const file = join(s.cli.dir, 'download.tar');
    writeFileSync(file, data);
    const ourId = JSON.parse(s.cli.run(['inspect', 'busybox:latest']).stdout)[0].Id as string;
    expect(execFileSync('docker', ['load', '-i', file]).toString()).toContain('Loaded image: busybox:latest');
    execFileSync('docker', ['tag', 'busybox:latest', dockerTag]);
    expect(execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', dockerTag]).toString().trim()).toBe(ourId);

    // The same tar uploaded (auto-detected as a docker save) loads into the store again.
    const rm = await trpcMutation(base, operatorAuth, 'images.action', { hostId, action: { kind: 'image.rm', ref: 'busybox:latest' } });
    expect(await job(rm.body.result.data.jobId)).toMatchObject({ status: 'succeeded' });
    expect(localImages()).toEqual([]);
    const up = await operator('POST', `/api/v1/hosts/${hostId}/images/upload`, data);
    expect(up).toMatchObject({ status: 201, body: { kind: 'image.load' } });
    expect(await job(up.body.id)).toMatchObject({ status: 'succeeded', result: { loaded: [{ id: ourId, tags: ['busybox:latest'] }] } });
    expect(localImages()).toEqual(['busybox:latest']);
    // The uploads of ended jobs are swept when the next one comes: only this one's is left.
    const bad = await operator('POST', `/api/v1/hosts/${hostId}/images/upload?mode=load`, Buffer.from('not a tar'));
    expect(await job(bad.body.id)).toMatchObject({ status: 'failed' });
    expect(readdirSync(s.server.hub.uploadsDir).filter((n) => n.endsWith('.tar'))).toEqual([`${bad.body.id}.tar`]);
    // A cancelled job has ended too: its upload goes with the next sweep.
    const cancelled = await s.server.hub.prisma.job.create({ data: { id: `job_${'c'.repeat(24)}`, hostId, kind: 'image.load', spec: {}, actor: 'test', status: 'cancelled' } });
    writeFileSync(join(s.server.hub.uploadsDir, `${cancelled.id}.tar`), 'left by a cancelled load');
    const next = await operator('POST', `/api/v1/hosts/${hostId}/images/upload?mode=load`, Buffer.from('not a tar'));
    expect(await job(next.body.id)).toMatchObject({ status: 'failed' });
    expect(readdirSync(s.server.hub.uploadsDir).filter((n) => n.endsWith('.tar'))).toEqual([`${next.body.id}.tar`]);
  });

  it('pushes with the credentials of the registry chosen, and refuses a reference not on it', async () => {
    writeFileSync(join(s.cli.dir, 'htpasswd'), `robot:${bcrypt.hashSync('robot-pass', 4)}\n`);
    const registry: Server = createRegistryServer({ root: join(s.cli.dir, 'registry'), htpasswd: join(s.cli.dir, 'htpasswd') });
    try {
      const url = (await listen(registry, '127.0.0.1:0')).url;
      const host = new URL(url).host;
      const adminAuth = `Bearer ${await tokenFor(base, ADMIN.email, ADMIN.password)}`;
      expect((await trpcMutation(base, adminAuth, 'registries.save', { name: 'team', url, username: 'robot', password: 'robot-pass' })).status).toBe(200);
      const registryId = (await s.server.hub.prisma.registry.findUniqueOrThrow({ where: { name: 'team' } })).id;

      const wrong = await trpcMutation(base, operatorAuth, 'images.action', { hostId, action: { kind: 'image.push', ref: 'busybox:latest', registryId } });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.message).toBe(`busybox:latest is not on team (${host}): name it ${host}/…`);

      const ref = `${host}/team/busybox:1`;
      const tag = await trpcMutation(base, operatorAuth, 'images.action', { hostId, action: { kind: 'image.tag', source: 'busybox:latest', target: ref } });
      expect(await job(tag.body.result.data.jobId)).toMatchObject({ status: 'succeeded' });
      const push = await trpcMutation(base, operatorAuth, 'images.action', { hostId, action: { kind: 'image.push', ref, registryId } });
      const pushed = await job(push.body.result.data.jobId);
      expect(pushed).toMatchObject({ status: 'succeeded', result: { digest: expect.stringMatching(/^sha256:/) } });
      const tags = await fetch(`${url}/v2/team/busybox/tags/list`, { headers: { authorization: `Basic ${Buffer.from('robot:robot-pass').toString('base64')}` } });
      expect(await tags.json()).toEqual({ name: 'team/busybox', tags: ['1'] });
      const [row] = await auditRows(`action=image.push&target=${encodeURIComponent(ref)}`);
      expect(row).toMatchObject({ outcome: 'success', actorName: 'olga@example.com', digest: pushed.result.digest });
      expect(JSON.stringify(row)).not.toContain('robot-pass');
      // The stored job spec keeps no password either.
      expect(JSON.stringify((await s.server.hub.prisma.job.findUniqueOrThrow({ where: { id: push.body.result.data.jobId } })).spec)).not.toContain('robot-pass');
    } finally {
      await new Promise((r) => registry.close(r));
    }
  });
});
