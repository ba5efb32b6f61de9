import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { garbageCollect, parseAddr } from '../src/index.js';
import { errorCode, pushBlob, pushImageBlobs, pushManifest, sha256, startRegistry, type TestRegistry } from './helpers.js';

describe('tags list and catalog pagination', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
    const { body } = await pushImageBlobs(reg.url, 'pg/app');
    for (const tag of ['v3', 'v1', 'latest', 'v2', 'V0']) expect((await pushManifest(reg.url, 'pg/app', tag, body)).status).toBe(201);
    for (const name of ['pg/b', 'pg/a', 'pg/c/d']) await pushBlob(reg.url, name, 'x');
  });
  afterAll(async () => {
    await reg.close();
  });

  it('lists tags in lexical order, paginated by n and last with a Link header', async () => {
    const all = await fetch(`${reg.url}/v2/pg/app/tags/list`);
    expect(await all.json()).toEqual({ name: 'pg/app', tags: ['V0', 'latest', 'v1', 'v2', 'v3'] });
    expect(all.headers.get('link')).toBeNull();

    const pages: string[][] = [];
    let next: string | null = '/v2/pg/app/tags/list?n=2';
    while (next) {
      const res: Response = await fetch(`${reg.url}${next}`);
      pages.push(((await res.json()) as { tags: string[] }).tags);
      next = res.headers.get('link')?.match(/^<([^>]+)>; rel="next"$/)?.[1] ?? null;
    }
    expect(pages).toEqual([['V0', 'latest'], ['v1', 'v2'], ['v3']]);

    expect(((await (await fetch(`${reg.url}/v2/pg/app/tags/list?last=v1`)).json()) as { tags: string[] }).tags).toEqual(['v2', 'v3']);
    expect(((await (await fetch(`${reg.url}/v2/pg/app/tags/list?n=0`)).json()) as { tags: string[] }).tags).toEqual([]);
    const unknown = await fetch(`${reg.url}/v2/pg/none/tags/list`);
    expect([unknown.status, await errorCode(unknown)]).toEqual([404, 'NAME_UNKNOWN']);
  });

  it('lists repositories in the catalog, paginated', async () => {
    expect(await (await fetch(`${reg.url}/v2/_catalog`)).json()).toEqual({ repositories: ['pg/a', 'pg/app', 'pg/b', 'pg/c/d'] });
    const first = await fetch(`${reg.url}/v2/_catalog?n=3`);
    expect(((await first.json()) as { repositories: string[] }).repositories).toEqual(['pg/a', 'pg/app', 'pg/b']);
    expect(first.headers.get('link')).toBe('</v2/_catalog?n=3&last=pg%2Fb>; rel="next"');
    const second = await fetch(`${reg.url}/v2/_catalog?n=3&last=pg%2Fb`);
    expect(((await second.json()) as { repositories: string[] }).repositories).toEqual(['pg/c/d']);
    expect(second.headers.get('link')).toBeNull();
  });
});

describe('htpasswd authentication', () => {
  let reg: TestRegistry;
  let dir: string;
  const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-htpasswd-'));
    const file = join(dir, 'htpasswd');
    // `htpasswd -B` writes $2y$ hashes.
    await writeFile(file, `# users\nalice:${(await bcrypt.hash('s3cret', 5)).replace('$2b$', '$2y$')}\n`);
    reg = await startRegistry({ htpasswd: file, realm: 'Drydock Test' });
  });
  afterAll(async () => {
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 401 with a Basic challenge without credentials or with a wrong password', async () => {
    for (const headers of [{}, basic('alice', 'wrong'), basic('bob', 's3cret')]) {
      const res = await fetch(`${reg.url}/v2/`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Drydock Test"');
      expect(await errorCode(res)).toBe('UNAUTHORIZED');
    }
    const push = await pushBlob(reg.url, 'auth/x', 'data');
    expect(push.status).toBe(401);
  });

  it('lets a valid user in and records the user in events', async () => {
    expect((await fetch(`${reg.url}/v2/`, { headers: basic('alice', 's3cret') })).status).toBe(200);
    const config = Buffer.from('{}');
    const res = await fetch(`${reg.url}/v2/auth/x/blobs/uploads/?digest=${sha256(config)}`, { method: 'POST', headers: basic('alice', 's3cret'), body: config });
    expect(res.status).toBe(201);
    const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(config), size: 2 }, layers: [] };
    const put = await fetch(`${reg.url}/v2/auth/x/manifests/v1`, { method: 'PUT', headers: { ...basic('alice', 's3cret'), 'Content-Type': manifest.mediaType }, body: JSON.stringify(manifest) });
    expect(put.status).toBe(201);
    expect(reg.events.at(-1)).toMatchObject({ type: 'registry:push', repository: 'auth/x', reference: 'v1', user: 'alice' });
  });

  it('takes an authorize hook instead (the seam for bearer tokens)', async () => {
    const scopes: string[] = [];
    const hooked = await startRegistry({
      authorize: (req, scope) => {
        scopes.push(`${scope.type}:${scope.name}:${scope.actions.join(',')}`);
        if (req.headers.authorization !== 'Bearer good') return { ok: false, error: 'unauthorized', challenge: 'Bearer realm="https://hub.example/token"' };
        return (scope.actions as string[]).includes('delete') ? { ok: false, error: 'denied' } : { ok: true, user: 'token-user' };
      },
    });
    try {
      const anon = await fetch(`${hooked.url}/v2/`);
      expect([anon.status, anon.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="https://hub.example/token"']);
      const ok = await fetch(`${hooked.url}/v2/hub/x/tags/list`, { headers: { Authorization: 'Bearer good' } });
      expect(ok.status).toBe(404);
      const denied = await fetch(`${hooked.url}/v2/hub/x/manifests/v1`, { method: 'DELETE', headers: { Authorization: 'Bearer good' } });
      expect([denied.status, await errorCode(denied)]).toEqual([403, 'DENIED']);
      expect(scopes).toEqual(['registry::', 'repository:hub/x:pull', 'repository:hub/x:delete']);
    } finally {
      await hooked.close();
    }
  });
});

describe('garbage collection', () => {
  it('removes unreferenced blobs and, with removeUntagged, untagged manifests', async () => {
    const reg = await startRegistry();
    try {
      const { body: keep } = await pushImageBlobs(reg.url, 'gc/app', 'keep');
      await pushManifest(reg.url, 'gc/app', 'v1', keep);
      const { body: old, digest: oldDigest, blobs: oldBlobs } = await pushImageBlobs(reg.url, 'gc/app', 'old');
      await pushManifest(reg.url, 'gc/app', oldDigest, old);
      await pushBlob(reg.url, 'gc/app', 'orphan');

      const young = await garbageCollect(reg.root);
      expect(young.blobsRemoved).toEqual([]);

      const dry = await garbageCollect(reg.root, { gracePeriodMs: 0, dryRun: true });
      expect(dry.blobsRemoved).toEqual([sha256('orphan')]);
      expect((await fetch(`${reg.url}/v2/gc/app/blobs/${sha256('orphan')}`)).status).toBe(200);

      const swept = await garbageCollect(reg.root, { gracePeriodMs: 0 });
      expect(swept.blobsRemoved).toEqual([sha256('orphan')]);
      expect((await fetch(`${reg.url}/v2/gc/app/blobs/${sha256('orphan')}`)).status).toBe(404);
      expect((await fetch(`${reg.url}/v2/gc/app/manifests/${oldDigest}`)).status).toBe(200);

      const untagged = await garbageCollect(reg.root, { gracePeriodMs: 0, removeUntagged: true });
      expect(untagged.manifestsRemoved).toEqual([`gc/app@${oldDigest}`]);
      expect(untagged.blobsRemoved.sort()).toEqual([oldDigest, ...oldBlobs].sort());
      const pulled = await fetch(`${reg.url}/v2/gc/app/manifests/v1`);
      expect(await pulled.text()).toBe(keep);
    } finally {
      await reg.close();
    }
  });
});

describe('listen address', () => {
  it('parses HOST:PORT, [v6]:PORT and :PORT', () => {
    expect(parseAddr('127.0.0.1:5000')).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(parseAddr('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseAddr(':5000')).toEqual({ host: undefined, port: 5000 });
    expect(() => parseAddr('5000')).toThrow(/HOST:PORT/);
  });
});
