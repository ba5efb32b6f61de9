import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDistribution, type Distribution } from '../../../tooling/test/distribution.js';
import { createRegistryServer, listen } from '../../registry/src/index.js';
import { parseChallenge } from '../src/distribution/auth.js';
import { parsePlatform, selectPlatform } from '../src/distribution/manifest.js';
import { isInsecure, loginServerKey, registryHost } from '../src/distribution/registry-host.js';
import type { EngineEvent } from '../src/index.js';
import type { Index } from '../src/image/media-types.js';
import { sampleRootfs, streamOf, tarOf, tempEngine, type TempEngine } from './helpers/fixtures.js';

describe('registry names', () => {
  it.each([
    [undefined, 'https://index.docker.io/v1/'],
    ['docker.io', 'https://index.docker.io/v1/'],
    ['https://index.docker.io/v1/', 'https://index.docker.io/v1/'],
    ['registry-1.docker.io', 'https://index.docker.io/v1/'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://reg.example.com:8443/some/path', 'reg.example.com:8443'],
  ])('login %s is stored under %s', (server, key) => {
    expect(loginServerKey(server)).toBe(key);
  });

  it.each([
    ['localhost:5000', [], true],
    ['127.0.0.1:5000', [], true],
    ['127.8.9.10', [], true],
    ['[::1]:5000', [], true],
    ['reg.example.com', [], false],
    ['reg.example.com:5000', ['reg.example.com:5000'], true],
    ['10.1.2.3:5000', ['10.0.0.0/8'], true],
    ['11.1.2.3:5000', ['10.0.0.0/8'], false],
  ])('%s with insecure registries %j is plain HTTP: %s', (domain, list, insecure) => {
    expect(isInsecure(domain, list)).toBe(insecure);
  });

  it('reaches Docker Hub on registry-1.docker.io over TLS with the v1 credential key', () => {
    expect(registryHost('docker.io')).toEqual({ domain: 'docker.io', apiHost: 'registry-1.docker.io', authKey: 'https://index.docker.io/v1/', insecure: false });
  });
});

describe('auth challenges and platforms', () => {
  it.each([
    ['Basic realm="Registry Realm"', { scheme: 'basic', params: { realm: 'Registry Realm' } }],
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"',
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/debian:pull' } },
    ],
    ['bearer realm=http://t/token, service=s', { scheme: 'bearer', params: { realm: 'http://t/token', service: 's' } }],
    ['Negotiate abc', undefined],
  ])('%s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });

  const index = (...platforms: { os: string; architecture: string; variant?: string }[]): Index => ({
    schemaVersion: 2,
    manifests: platforms.map((platform, i) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${String(i).repeat(64)}`, size: 1, platform })),
  });
  it.each([
    ['linux/amd64', index({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'amd64' }), 1],
    ['linux/arm/v7', index({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }), 1],
    ['linux/arm64', index({ os: 'linux', architecture: 'arm64', variant: 'v8' }), 0],
    ['linux/amd64', index({ os: 'windows', architecture: 'amd64' }), undefined],
  ])('%s picks entry %#', (platform, idx, expected) => {
    const picked = selectPlatform(idx, parsePlatform(platform));
    expect(picked === undefined ? undefined : idx.manifests.indexOf(picked)).toBe(expected);
  });
});

describe('push and pull through the engine (distribution 2.8)', () => {
  let reg: Distribution;
  let a: TempEngine;
  let b: TempEngine;
  beforeAll(async () => {
    reg = await startDistribution();
    a = tempEngine();
    b = tempEngine();
  }, 60_000);
  afterAll(async () => {
    a?.cleanup();
    b?.cleanup();
    await reg?.stop();
  });

  it('uploads in chunks, journals the push, remembers the compressed digest, and the puller mounts from what it pulled', async () => {
    // Incompressible content, so the gzip blob spans several 64 KiB chunks.
    const rootfs = await tarOf([{ name: 'noise.bin', content: randomBytes(300_000) }]);
    const id = await a.engine.importImage({ actor: 'test' }, streamOf(rootfs), { source: '-', ref: `${reg.host}/eng/app:1` });
    const events: EngineEvent[] = [];
    const [pushed] = await a.engine.push({ actor: 'ann', onEvent: (e) => events.push(e) }, `${reg.host}/eng/app:1`, { chunkSize: 64 << 10 });
    expect(pushed!.layers.map((l) => l.how)).toEqual(['pushed']);
    expect(events.filter((e) => e.type === 'engine:registry:layer').map((e) => (e as { status: string }).status)).toEqual(['Preparing', 'Pushed']);
    expect(a.engine.journal.since(0).filter((j) => j.action === 'image.push')).toEqual([
      expect.objectContaining({ actor: 'ann', target: `${reg.host}/eng/app:1`, digest: pushed!.digest, detail: { size: pushed!.size, layers: 1, pushed: 1, existed: 0, mounted: 0 } }),
    ]);
    const blob = await fetch(`http://${reg.host}/v2/eng/app/blobs/${pushed!.layers[0]!.digest}`);
    expect(Number(blob.headers.get('content-length'))).toBeGreaterThan(3 * (64 << 10));

    const [pulled] = await b.engine.pull({ actor: 'bob' }, `${reg.host}/eng/app:1`);
    expect(pulled).toEqual({ ref: `${reg.host}/eng/app:1`, id, digest: pushed!.digest, updated: true });
    expect(b.engine.journal.since(0).filter((j) => j.action === 'image.pull')).toEqual([
      expect.objectContaining({ actor: 'bob', target: `${reg.host}/eng/app:1`, digest: pushed!.digest, detail: { id, updated: true } }),
    ]);
    // The puller knows the registry's blob for its layer: pushing under another name mounts it, nothing is compressed again.
    b.engine.tag({ actor: 'bob' }, `${reg.host}/eng/app:1`, `${reg.host}/eng/copy:1`);
    const [copy] = await b.engine.push({ actor: 'bob' }, `${reg.host}/eng/copy:1`);
    expect(copy!.layers).toEqual([{ diffId: pushed!.layers[0]!.diffId, digest: pushed!.layers[0]!.digest, how: 'mounted' }]);
    expect(copy!.digest).toBe(pushed!.digest);
  });

  it('remembers the compressed digest: a second tag of the repository finds its blob by HEAD, nothing is uploaded', async () => {
    const rootfs = await sampleRootfs('reuse');
    await a.engine.importImage({ actor: 'test' }, streamOf(rootfs), { source: '-', ref: `${reg.host}/eng/reuse:1` });
    const [first] = await a.engine.push({ actor: 'test' }, `${reg.host}/eng/reuse:1`);
    expect(first!.layers[0]!.how).toBe('pushed');
    a.engine.tag({ actor: 'test' }, `${reg.host}/eng/reuse:1`, `${reg.host}/eng/reuse:2`);
    const [second] = await a.engine.push({ actor: 'test' }, `${reg.host}/eng/reuse:2`);
    expect(second!.layers[0]).toEqual({ ...first!.layers[0], how: 'exists' });
  });
});

describe('upload shapes (against our own registry server, whose request log shows them)', () => {
  it('sends a layer as PATCHes of at most chunkSize bytes with Content-Range, or as one streamed PATCH, and the config as one PUT', async () => {
    const t = tempEngine();
    const requests: string[] = [];
    const server = createRegistryServer({
      root: `${t.root}-registry`,
      logger: { info: (_m, f) => requests.push(`${String(f?.method)} ${String(f?.path)}`), warn: () => {}, error: () => {} },
    });
    const { port } = await listen(server, '127.0.0.1:0');
    try {
      const rootfs = await tarOf([{ name: 'noise.bin', content: randomBytes(300_000) }]);
      await t.engine.importImage({ actor: 'test' }, streamOf(rootfs), { source: '-', ref: `127.0.0.1:${port}/shape/chunked:1` });
      await t.engine.push({ actor: 'test' }, `127.0.0.1:${port}/shape/chunked:1`, { chunkSize: 100_000 });
      const patches = requests.filter((r) => r.startsWith('PATCH /v2/shape/chunked/blobs/uploads/'));
      expect(patches.length).toBe(4); // ~300 kB of incompressible gzip in 100 kB chunks
      t.engine.tag({ actor: 'test' }, `127.0.0.1:${port}/shape/chunked:1`, `127.0.0.1:${port}/shape/streamed:1`);
      requests.length = 0;
      // A fresh engine knows no blob: it compresses and uploads again, in one streamed PATCH.
      const u = tempEngine();
      try {
        await u.engine.importImage({ actor: 'test' }, streamOf(rootfs), { source: '-', ref: `127.0.0.1:${port}/shape/streamed:1` });
        await u.engine.push({ actor: 'test' }, `127.0.0.1:${port}/shape/streamed:1`);
      } finally {
        u.cleanup();
      }
      expect(requests.filter((r) => r.startsWith('PATCH ')).length).toBe(1);
      // One PUT finishes the layer's upload, one carries the whole config (monolithic).
      expect(requests.filter((r) => r.startsWith('PUT /v2/shape/streamed/blobs/uploads/')).length).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(`${t.root}-registry`, { recursive: true, force: true });
      t.cleanup();
    }
  });
});
