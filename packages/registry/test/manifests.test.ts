import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MANIFEST_BYTES } from '../src/index.js';
import { errorCode, OCI_INDEX, OCI_MANIFEST, pushBlob, pushImageBlobs, pushManifest, sha256, sha512, startRegistry, type TestRegistry } from './helpers.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(async () => {
  await reg.close();
});

describe('manifest push and pull', () => {
  it('stores an OCI manifest by tag and serves it by tag and digest with its media type', async () => {
    const { body, digest } = await pushImageBlobs(reg.url, 'm/oci');
    const put = await pushManifest(reg.url, 'm/oci', 'v1', body);
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(digest);
    expect(put.headers.get('location')).toBe(`/v2/m/oci/manifests/${digest}`);
    for (const ref of ['v1', digest]) {
      const get = await fetch(`${reg.url}/v2/m/oci/manifests/${ref}`, { headers: { Accept: OCI_MANIFEST } });
      expect(get.status).toBe(200);
      expect(get.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(get.headers.get('docker-content-digest')).toBe(digest);
      expect(await get.text()).toBe(body);
      const head = await fetch(`${reg.url}/v2/m/oci/manifests/${ref}`, { method: 'HEAD' });
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    }
    expect(reg.events.filter((e) => e.repository === 'm/oci').map((e) => e.type)).toEqual(['registry:push', 'registry:pull', 'registry:pull']);
  });

  it('accepts Docker schema2 manifests and manifest lists, and OCI indexes', async () => {
    const { manifest } = await pushImageBlobs(reg.url, 'm/docker', 'd');
    const docker = JSON.stringify({ ...manifest, mediaType: DOCKER_MANIFEST, config: { ...(manifest.config as object), mediaType: 'application/vnd.docker.container.image.v1+json' } });
    const put = await pushManifest(reg.url, 'm/docker', 'img', docker, DOCKER_MANIFEST);
    expect(put.status).toBe(201);
    const child = { mediaType: DOCKER_MANIFEST, digest: sha256(docker), size: Buffer.byteLength(docker), platform: { architecture: 'amd64', os: 'linux' } };
    const list = JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_LIST, manifests: [child] });
    expect((await pushManifest(reg.url, 'm/docker', 'list', list, DOCKER_LIST)).status).toBe(201);
    const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] });
    expect((await pushManifest(reg.url, 'm/docker', 'index', index, OCI_INDEX)).status).toBe(201);
    expect((await fetch(`${reg.url}/v2/m/docker/manifests/list`)).headers.get('content-type')).toBe(DOCKER_LIST);
    expect((await fetch(`${reg.url}/v2/m/docker/manifests/img`)).headers.get('content-type')).toBe(DOCKER_MANIFEST);
  });

  it('pushes by sha512 digest and with tag parameters', async () => {
    const { body } = await pushImageBlobs(reg.url, 'm/sha512', 's');
    const d = sha512(body);
    const put = await fetch(`${reg.url}/v2/m/sha512/manifests/${d}?tag=a&tag=b`, { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST }, body });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(d);
    expect(put.headers.get('oci-tag')).toBe('a, b');
    expect((await fetch(`${reg.url}/v2/m/sha512/manifests/b`)).headers.get('docker-content-digest')).toBe(d);
  });

  it('rejects manifests whose blobs or child manifests the repository lacks (MANIFEST_BLOB_UNKNOWN)', async () => {
    const { manifest } = await pushImageBlobs(reg.url, 'm/missing', 'q');
    const missing = { ...manifest, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256('never pushed'), size: 12 }] };
    const res = await pushManifest(reg.url, 'm/missing', 'v1', missing);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('MANIFEST_BLOB_UNKNOWN');
    // Blobs pushed to another repository do not count.
    const elsewhere = await pushManifest(reg.url, 'm/other', 'v1', manifest);
    expect(await errorCode(elsewhere)).toBe('MANIFEST_BLOB_UNKNOWN');
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sha256('nope'), size: 4 }] };
    expect(await errorCode(await pushManifest(reg.url, 'm/missing', 'idx', index, OCI_INDEX))).toBe('MANIFEST_BLOB_UNKNOWN');
  });

  it('rejects invalid manifests, bad tags, digest mismatches and oversize bodies', async () => {
    const { manifest, body } = await pushImageBlobs(reg.url, 'm/invalid', 'i');
    const notJson = await pushManifest(reg.url, 'm/invalid', 'v1', '{not json');
    expect([notJson.status, await errorCode(notJson)]).toEqual([400, 'MANIFEST_INVALID']);
    const schema1 = await pushManifest(reg.url, 'm/invalid', 'v1', { schemaVersion: 1, name: 'x' });
    expect(await errorCode(schema1)).toBe('MANIFEST_INVALID');
    const noLayers = await pushManifest(reg.url, 'm/invalid', 'v1', { ...manifest, layers: undefined });
    expect(await errorCode(noLayers)).toBe('MANIFEST_INVALID');
    const mismatch = await pushManifest(reg.url, 'm/invalid', 'v1', body, OCI_INDEX);
    expect(await errorCode(mismatch)).toBe('MANIFEST_INVALID');
    const badTag = await pushManifest(reg.url, 'm/invalid', '-bad', body);
    expect([badTag.status, await errorCode(badTag)]).toEqual([400, 'TAG_INVALID']);
    const wrongDigest = await pushManifest(reg.url, 'm/invalid', sha256('other'), body);
    expect([wrongDigest.status, await errorCode(wrongDigest)]).toEqual([400, 'DIGEST_INVALID']);
    const huge = JSON.stringify({ ...manifest, annotations: { pad: 'x'.repeat(MAX_MANIFEST_BYTES) } });
    const tooLarge = await pushManifest(reg.url, 'm/invalid', 'big', huge);
    expect([tooLarge.status, await errorCode(tooLarge)]).toEqual([413, 'MANIFEST_INVALID']);
    // Also when the size is only known as the body streams in (chunked, no Content-Length).
    const streamed = await fetch(`${reg.url}/v2/m/invalid/manifests/big`, {
      method: 'PUT',
      headers: { 'Content-Type': OCI_MANIFEST },
      body: Readable.toWeb(Readable.from([Buffer.from(huge)])),
      duplex: 'half',
    } as RequestInit);
    expect([streamed.status, await errorCode(streamed)]).toEqual([413, 'MANIFEST_INVALID']);
  });

  it('answers unknown manifests with 404 MANIFEST_UNKNOWN (malformed tags included) and bad digests with 400', async () => {
    const unknown = await fetch(`${reg.url}/v2/m/oci/manifests/nope`);
    expect([unknown.status, await errorCode(unknown)]).toEqual([404, 'MANIFEST_UNKNOWN']);
    expect((await fetch(`${reg.url}/v2/m/oci/manifests/.bad`)).status).toBe(404);
    const bad = await fetch(`${reg.url}/v2/m/oci/manifests/sha256:totallywrong`);
    expect([bad.status, await errorCode(bad)]).toEqual([400, 'DIGEST_INVALID']);
  });
});

describe('manifest delete', () => {
  it('deletes a tag only, or a manifest with its tags', async () => {
    const { body, digest } = await pushImageBlobs(reg.url, 'm/del', 'del');
    await pushManifest(reg.url, 'm/del', 'a', body);
    await pushManifest(reg.url, 'm/del', 'b', body);
    expect((await fetch(`${reg.url}/v2/m/del/manifests/a`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${reg.url}/v2/m/del/manifests/a`)).status).toBe(404);
    expect((await fetch(`${reg.url}/v2/m/del/manifests/${digest}`)).status).toBe(200);
    expect((await fetch(`${reg.url}/v2/m/del/manifests/${digest}`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${reg.url}/v2/m/del/manifests/${digest}`)).status).toBe(404);
    expect(await (await fetch(`${reg.url}/v2/m/del/tags/list`)).json()).toEqual({ name: 'm/del', tags: [] });
    expect((await fetch(`${reg.url}/v2/m/del/manifests/${digest}`, { method: 'DELETE' })).status).toBe(404);
    expect(reg.events.filter((e) => e.type === 'registry:delete' && e.repository === 'm/del').map((e) => e.reference)).toEqual(['a', digest]);
  });

  it('answers 405 UNSUPPORTED when deletes are disabled', async () => {
    const ro = await startRegistry({ deletes: false });
    try {
      const { body, digest } = await pushImageBlobs(ro.url, 'm/ro');
      await pushManifest(ro.url, 'm/ro', 'v1', body);
      for (const path of ['manifests/v1', `manifests/${digest}`, `blobs/${sha256('layer-x')}`]) {
        const res = await fetch(`${ro.url}/v2/m/ro/${path}`, { method: 'DELETE' });
        expect([res.status, await errorCode(res)]).toEqual([405, 'UNSUPPORTED']);
      }
    } finally {
      await ro.close();
    }
  });
});

describe('referrers', () => {
  it('lists manifests by subject, filters by artifactType and returns OCI-Subject', async () => {
    const { body: subjectBody, digest: subject } = await pushImageBlobs(reg.url, 'm/ref', 'subject');
    await pushManifest(reg.url, 'm/ref', 'v1', subjectBody);
    const empty = Buffer.from('{}');
    expect((await pushBlob(reg.url, 'm/ref', empty)).status).toBe(201);
    const emptyDesc = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 };
    const subjectDesc = { mediaType: OCI_MANIFEST, digest: subject, size: Buffer.byteLength(subjectBody) };
    const sbom = { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.example.sbom', config: emptyDesc, layers: [emptyDesc], subject: subjectDesc, annotations: { 'org.example': 'sbom' } };
    const sig = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...emptyDesc, mediaType: 'application/vnd.example.sig' }, layers: [emptyDesc], subject: subjectDesc };

    const putSbom = await pushManifest(reg.url, 'm/ref', sha256(JSON.stringify(sbom)), sbom);
    expect(putSbom.status).toBe(201);
    expect(putSbom.headers.get('oci-subject')).toBe(subject);
    expect((await pushManifest(reg.url, 'm/ref', sha256(JSON.stringify(sig)), sig)).status).toBe(201);

    const all = await fetch(`${reg.url}/v2/m/ref/referrers/${subject}`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe(OCI_INDEX);
    const index = (await all.json()) as { mediaType: string; manifests: { digest: string; artifactType: string; annotations?: object }[] };
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.manifests.map((m) => m.artifactType).sort()).toEqual(['application/vnd.example.sbom', 'application/vnd.example.sig']);
    expect(index.manifests.find((m) => m.artifactType.endsWith('sbom'))?.annotations).toEqual({ 'org.example': 'sbom' });

    const filtered = await fetch(`${reg.url}/v2/m/ref/referrers/${subject}?artifactType=application/vnd.example.sig`);
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(((await filtered.json()) as { manifests: unknown[] }).manifests).toHaveLength(1);

    // Deleting a referrer removes it from the index; an unknown subject gives an empty index.
    expect((await fetch(`${reg.url}/v2/m/ref/manifests/${sha256(JSON.stringify(sig))}`, { method: 'DELETE' })).status).toBe(202);
    expect(((await (await fetch(`${reg.url}/v2/m/ref/referrers/${subject}`)).json()) as { manifests: unknown[] }).manifests).toHaveLength(1);
    const none = await fetch(`${reg.url}/v2/m/ref/referrers/${sha256('nothing')}`);
    expect([none.status, ((await none.json()) as { manifests: unknown[] }).manifests]).toEqual([200, []]);
  });

  it('accepts a manifest whose subject does not exist (yet)', async () => {
    const empty = Buffer.from('{}');
    await pushBlob(reg.url, 'm/ref2', empty);
    const emptyDesc = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 };
    const subject = sha256('future subject');
    const art = { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/x', config: emptyDesc, layers: [emptyDesc], subject: { mediaType: OCI_MANIFEST, digest: subject, size: 3 } };
    const res = await pushManifest(reg.url, 'm/ref2', 'art', art);
    expect(res.status).toBe(201);
    expect(res.headers.get('oci-subject')).toBe(subject);
    expect(((await (await fetch(`${reg.url}/v2/m/ref2/referrers/${subject}`)).json()) as { manifests: unknown[] }).manifests).toHaveLength(1);
  });
});
