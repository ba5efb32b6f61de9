import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDistribution } from '../../../tooling/test/distribution.js';
import { busyboxTar, cliSandbox, expectCleanFailure } from './helpers/cli.js';

/**
 * Registries that misbehave, served by a small HTTP server of our own (no
 * real registry serves a corrupt blob on purpose): each failure is one line,
 * a non-zero exit, nothing tagged and nothing left staged. Transient faults
 * (a download cut off, an upload connection dropped) are retried.
 */
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const box = cliSandbox();
let server: Server;
let host: string;
const blobs = new Map<string, Buffer>();
const manifests = new Map<string, Buffer>();
const blobGets = new Map<string, number>();

async function layerTar(extra?: Buffer): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'hello.txt', mode: 0o644 }, 'hello from a faulty registry\n');
  if (extra) pack.entry({ name: 'noise.bin', mode: 0o644 }, extra);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function image(layer: Buffer, diffId: string, opts: { layerDigest?: string } = {}): Buffer {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
  blobs.set(sha256(config), config);
  const digest = opts.layerDigest ?? sha256(layer);
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest, size: layer.length }],
    }),
  );
}

beforeAll(async () => {
  const raw = await layerTar();
  const gz = gzipSync(raw);
  // corrupt: the blob served is not the one the manifest names (same size, one byte flipped).
  const corrupt = Buffer.from(gz);
  corrupt[corrupt.length - 10] = corrupt[corrupt.length - 10]! ^ 0xff;
  manifests.set('corrupt', image(gz, sha256(raw)));
  blobs.set(`corrupt:${sha256(gz)}`, corrupt);
  // early: a 2 MB blob broken near its start, so decompression fails long before the download ends.
  const bigRaw = await layerTar(randomBytes(2 << 20));
  const bigGz = gzipSync(bigRaw);
  const early = Buffer.from(bigGz);
  early[1000] = early[1000]! ^ 0xff;
  manifests.set('early', image(bigGz, sha256(bigRaw)));
  blobs.set(`early:${sha256(bigGz)}`, early);
  // flaky: the first GET of the layer is cut off mid-body; the retry gets it whole.
  manifests.set('flaky', image(gz, sha256(raw)));
  blobs.set(sha256(gz), gz);
  // diffid: the layer is intact but the config promises another diff ID.
  manifests.set('diffid', image(gz, sha256('something else')));
  manifests.set('malformed', Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: 'nope' }, layers: [] })));
  manifests.set('huge', Buffer.from(JSON.stringify({ schemaVersion: 2, padding: 'x'.repeat(5 << 20) })));
  manifests.set('notjson', Buffer.from('<html>hello</html>'));

  server = createServer((req, res) => {
    const m = /^\/v2\/([a-z]+)\/img\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
    if (req.url === '/v2/') return res.writeHead(200).end('{}');
    if (!m) return res.writeHead(404).end();
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') {
      const body = manifests.get(repo);
      if (!body) return res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      return res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json', 'content-length': body.length }).end(body);
    }
    const body = blobs.get(`${repo}:${ref}`) ?? blobs.get(ref);
    if (!body) return res.writeHead(404).end();
    const n = (blobGets.get(`${repo}:${ref}`) ?? 0) + 1;
    blobGets.set(`${repo}:${ref}`, n);
    res.writeHead(200, { 'content-length': body.length });
    if (repo === 'flaky' && n === 1 && ref === sha256(gz)) {
      res.write(body.subarray(0, 20));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  box.cleanup();
});

/** Nothing tagged, nothing half-written in the store. */
async function expectUntouched(): Promise<void> {
  expect((await box.spawn(['images', '-a', '-q'])).stdout).toBe('');
  expect(readdirSync(join(box.dir, 'root', 'ingest'))).toEqual([]);
}

describe('pull from a misbehaving registry', () => {
  it.each([
    ['corrupt', /^Error response from daemon: filesystem layer verification failed for digest sha256:[0-9a-f]{64}$/],
    ['early', /^Error response from daemon: filesystem layer verification failed for digest sha256:[0-9a-f]{64}$/],
    ['diffid', /^Error response from daemon: layer sha256:[0-9a-f]{64} unpacks to sha256:[0-9a-f]{64}, the image config expects sha256:[0-9a-f]{64}$/],
    ['malformed', /^Error response from daemon: malformed manifest: 127\.0\.0\.1:\d+\/malformed\/img:1: config: bad digest "nope"$/],
    ['huge', /^Error response from daemon: manifest for 127\.0\.0\.1:\d+\/huge\/img:1 is larger than 4194304 bytes$/],
    ['notjson', /^Error response from daemon: malformed manifest: 127\.0\.0\.1:\d+\/notjson\/img:1: not JSON$/],
    ['missing', /^Error response from daemon: manifest unknown: manifest unknown$/],
  ])('%s: one line, nothing stored', async (repo, message) => {
    const r = await box.spawn(['pull', `${host}/${repo}/img:1`]);
    expect(expectCleanFailure(r)).toMatch(message);
    await expectUntouched();
  });

  it('retries a download cut off mid-body', async () => {
    const r = await box.spawn(['pull', `${host}/flaky/img:1`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: Retrying$/m);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${host}/flaky/img:1`);
    expect([...blobGets.entries()].find(([k]) => k.startsWith('flaky:') && blobGets.get(k)! > 1)).toBeDefined();
    expect((await box.spawn(['rmi', `${host}/flaky/img:1`])).status).toBe(0);
  });

  it('an unreachable registry and an unknown host are one line each', async () => {
    const port = await freePort();
    expect(expectCleanFailure(await box.spawn(['pull', `127.0.0.1:${port}/x/img:1`]))).toBe(
      `Error response from daemon: Get "http://127.0.0.1:${port}/v2/x/img/manifests/1": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
    expect(expectCleanFailure(await box.spawn(['pull', 'nohost.invalid/x/img:1']))).toBe(
      'Error response from daemon: Get "https://nohost.invalid/v2/x/img/manifests/1": dial tcp: lookup nohost.invalid: no such host',
    );
    await expectUntouched();
  });
});

describe('push through a connection that drops', () => {
  it('starts the layer upload again, compressing again, and the image arrives whole', async () => {
    const reg = await startDistribution();
    let patches = 0;
    // A forwarding proxy in front of distribution that cuts the first upload PATCH off.
    const proxy = createServer((req, res) => {
      if (req.method === 'PATCH' && patches++ === 0) {
        req.socket.destroy();
        return;
      }
      const [host, port] = reg.host.split(':');
      const upstream = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (up) => {
        const headers = { ...up.headers };
        if (typeof headers.location === 'string') headers.location = headers.location.replace(reg.host, proxyHost);
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyHost = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
    try {
      expect((await box.spawn(['import', busyboxTar, `${proxyHost}/drop/bb:1`])).status).toBe(0);
      const r = await box.spawn(['push', `${proxyHost}/drop/bb:1`]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^[0-9a-f]{12}: Retrying\n[0-9a-f]{12}: Pushed$/m);
      expect(patches).toBe(2);
      const fresh = cliSandbox();
      try {
        const pull = await fresh.spawn(['pull', `${reg.host}/drop/bb:1`]);
        expect(pull.status, pull.stderr).toBe(0);
        expect((await fresh.spawn(['run', '--rm', '--network', 'none', `${reg.host}/drop/bb:1`, 'echo', 'whole'])).stdout).toBe('whole\n');
      } finally {
        fresh.cleanup();
      }
      expect((await box.spawn(['rmi', `${proxyHost}/drop/bb:1`])).status).toBe(0);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await reg.stop();
    }
  });
});
