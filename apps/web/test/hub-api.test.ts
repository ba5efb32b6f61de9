import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../packages/db/test/helpers/postgres.js';
import { ADMIN, api, startHubWithAgent, tarOf, tokenFor, trpcMutation, until } from './helpers/hub.js';

type Setup = Awaited<ReturnType<typeof startHubWithAgent>>;

/** The REST API against the embedded database and a real PostgreSQL server. */
describe.each(['pglite', 'postgresql'] as const)('hub REST API on %s', (backend) => {
  let pg: TestPostgres | undefined;
  let s: Setup;
  let base: string;
  let admin: ReturnType<typeof api>;
  let hostId: string;

  beforeAll(async () => {
    if (backend === 'postgresql') pg = await startPostgres();
    s = await startHubWithAgent(pg ? { databaseUrl: pg.url } : {});
    base = s.server.url;
    admin = api(base, `Bearer ${await tokenFor(base, ADMIN.email, ADMIN.password)}`);
    hostId = s.agent.hostId!;
  });
  afterAll(async () => {
    await s?.stop();
    await pg?.stop();
  });

  it('answers /api/health without auth and counts online agents', async () => {
    const r = await api(base)('GET', '/api/health');
    expect(r).toEqual({ status: 200, body: { ok: true, db: backend === 'pglite' ? 'pglite' : 'postgres', agents: 1 } });
  });

  it('refuses requests without a valid token (401) and a wrong password', async () => {
    expect((await api(base)('GET', '/api/v1/hosts')).status).toBe(401);
    expect((await api(base, 'Bearer ddk_nope')('GET', '/api/v1/hosts')).status).toBe(401);
    const wrong = await api(base, `Basic ${Buffer.from(`${ADMIN.email}:nope`).toString('base64')}`)('POST', '/api/v1/tokens');
    expect(wrong.status).toBe(401);
  });

  it('lists the host online with its facts, and its images', async () => {
    const hosts = await admin('GET', '/api/v1/hosts');
    expect(hosts.status).toBe(200);
    expect(hosts.body).toEqual([expect.objectContaining({ id: hostId, status: 'online' })]);
    expect(hosts.body[0].facts.cpus).toBeGreaterThan(0);
    const images = await until(async () => {
      const r = await admin('GET', `/api/v1/hosts/${hostId}/images`);
      return r.body.length > 0 ? r : undefined;
    }, 'the inventory');
    expect(images.body.map((i: { repoTags: string[] }) => i.repoTags).flat()).toContain('busybox:latest');
    expect((await admin('GET', '/api/v1/hosts/nope/images')).status).toBe(404);
  });

  it('builds from a context tar, keeps steps with cache hits and whole logs, and audits the build', async () => {
    const context = tarOf({ Dockerfile: 'FROM busybox:latest\nARG GREETING\nRUN echo "$GREETING one" && echo two\nCOPY a.txt /a.txt\n', 'a.txt': 'A\n' });
    const build = async () => {
      const started = await admin('POST', `/api/v1/hosts/${hostId}/builds?t=app:1&t=app:latest&buildarg=GREETING=hello`, context);
      expect(started.status).toBe(201);
      return until(async () => {
        const r = await admin('GET', `/api/v1/builds/${started.body.id}?logs=1`);
        return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
      }, 'the build to finish');
    };
    const first = await build();
    expect(first.status).toBe('succeeded');
    expect(first.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.steps.map((st: { name: string }) => st.name)).toEqual(['[1/4] FROM busybox:latest', '[2/4] ARG GREETING', '[3/4] RUN echo "$GREETING one" && echo two', '[4/4] COPY a.txt /a.txt']);
    expect(first.logs.map((l: { line: string }) => l.line)).toEqual(['hello one', 'two']);
    const second = await build();
    expect(second.imageId).toBe(first.imageId);
    // The RUN and COPY layers come from the cache the second time.
    const cached = second.steps.filter((st: { cached: boolean }) => st.cached).map((st: { index: number }) => st.index);
    expect(cached).toEqual(expect.arrayContaining([3, 4]));
    expect(first.steps.some((st: { cached: boolean }) => st.cached)).toBe(false);
    expect(second.steps.every((st: { durationMs: number | null }) => typeof st.durationMs === 'number')).toBe(true);

    const rows = await until(async () => {
      const r = await admin('GET', `/api/v1/audit?action=image.build&actor=${encodeURIComponent(ADMIN.email)}&target=app:1`);
      return r.body.length >= 2 ? r.body : undefined;
    }, 'the audit rows of the builds');
    expect(rows[0]).toMatchObject({ action: 'image.build', actorName: ADMIN.email, target: 'app:1 app:latest', digest: first.imageId, outcome: 'success' });
    const images = await admin('GET', `/api/v1/hosts/${hostId}/images`);
    expect(images.body.find((i: { id: string }) => i.id === first.imageId)?.repoTags.sort()).toEqual(['app:1', 'app:latest']);
    // The dashboard's search across hosts (tRPC): part of a tag or id, wildcards taken literally.
    const search = async (text: string) => {
      const r = await fetch(`${base}/api/trpc/inventory.images?input=${encodeURIComponent(JSON.stringify({ search: text }))}`, { headers: { authorization: `Bearer ${await tokenFor(base, ADMIN.email, ADMIN.password)}` } });
      return ((await r.json()) as { result: { data: { id: string; host: string }[] } }).result.data;
    };
    expect((await search('p:lat')).map((i) => i.id)).toEqual([first.imageId]);
    expect((await search(first.imageId.slice(7, 19))).map((i) => i.id)).toEqual([first.imageId]);
    expect(await search('%')).toEqual([]);
  });

  it('builds from a git repository the agent fetches (URL#ref:dir)', async () => {
    const repo = join(s.cli.dir, 'repo');
    mkdirSync(join(repo, 'app'), { recursive: true });
    writeFileSync(join(repo, 'app', 'Dockerfile'), 'FROM busybox:latest\nCOPY msg /msg\nRUN cat /msg\n');
    writeFileSync(join(repo, 'app', 'msg'), 'from git\n');
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    git('init', '-q', '-b', 'release');
    git('add', '.');
    git('commit', '-q', '-m', 'app');
    const started = await admin('POST', `/api/v1/hosts/${hostId}/builds?t=fromgit:1&git=${encodeURIComponent(`file://${repo}#release:app`)}`);
    expect(started.status).toBe(201);
    const build = await until(async () => {
      const r = await admin('GET', `/api/v1/builds/${started.body.id}?logs=1`);
      return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
    }, 'the git build');
    expect(build).toMatchObject({ status: 'succeeded', contextDigest: `git:file://${repo}#release:app` });
    expect(build.logs.map((l: { line: string }) => l.line)).toContain('from git');
  });

  it('runs tag jobs for operators, refuses viewers with 403 and audits the refusal', async () => {
    const auth = `Bearer ${await tokenFor(base, ADMIN.email, ADMIN.password)}`;
    for (const [email, role] of [['olga@example.com', 'operator'], ['vic@example.com', 'viewer']] as const) {
      const created = await trpcMutation(base, auth, 'users.create', { email, name: email, password: 'password-123', role });
      expect(created.status).toBe(200);
    }
    const viewer = api(base, `Bearer ${await tokenFor(base, 'vic@example.com', 'password-123')}`);
    const operator = api(base, `Bearer ${await tokenFor(base, 'olga@example.com', 'password-123')}`);

    const refused = await viewer('POST', `/api/v1/hosts/${hostId}/jobs`, { kind: 'image.push', ref: 'localhost:5000/app:1' });
    expect(refused.status).toBe(403);
    expect((await viewer('POST', `/api/v1/hosts/${hostId}/builds?t=x:1`, tarOf({ Dockerfile: 'FROM busybox:latest\n' }))).status).toBe(403);
    expect((await viewer('GET', '/api/v1/hosts')).status).toBe(200);
    const denied = await viewer('GET', '/api/v1/audit?action=image.push&actor=vic@example.com');
    expect(denied.body[0]).toMatchObject({ outcome: 'denied', target: 'localhost:5000/app:1', actorName: 'vic@example.com' });

    const tagged = await operator('POST', `/api/v1/hosts/${hostId}/jobs`, { kind: 'image.tag', source: 'busybox:latest', target: 'busybox:olga' });
    expect(tagged.status).toBe(201);
    await until(async () => (await operator('GET', `/api/v1/jobs/${tagged.body.id}`)).body.status === 'succeeded', 'the tag job');
    const audit = await until(async () => {
      const r = await operator('GET', '/api/v1/audit?action=image.tag&target=busybox:olga');
      return r.body.length ? r.body : undefined;
    }, 'the tag audit row');
    expect(audit[0]).toMatchObject({ actorName: 'olga@example.com', host: expect.any(String) });

    expect((await operator('POST', `/api/v1/hosts/${hostId}/jobs`, { kind: 'image.tag', source: '' })).status).toBe(400);
  });

  it('verifies the audit chain', async () => {
    const r = await admin('GET', '/api/v1/audit/verify');
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.checked).toBeGreaterThan(5);
    // Retention: everything so far goes to a file; the chain verifies from its anchor.
    const archived = await admin('POST', `/api/v1/audit/archive?before=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`);
    expect(archived.status).toBe(200);
    expect(archived.body.rows).toBe(r.body.checked);
    const after = await admin('GET', '/api/v1/audit/verify');
    expect(after.body).toEqual({ ok: true, checked: 1 }); // the audit.archive row itself
    expect((await admin('GET', '/api/v1/audit')).body[0]).toMatchObject({ action: 'audit.archive', params: { rows: r.body.checked } });
    const csv = await admin('GET', '/api/v1/audit?format=csv&action=audit.archive');
    expect(String(csv.body).split('\r\n')[0]).toBe('id,time,actor,actorName,action,host,target,digest,outcome,hash');
  });
});
