import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, pushBlob, sha256, sha512, startRegistry, type TestRegistry } from './helpers.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(async () => {
  await reg.close();
});

async function startUpload(name = 'up/test'): Promise<{ location: string; res: Response }> {
  const res = await fetch(`${reg.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  return { location: `${reg.url}${res.headers.get('location')}`, res };
}

function patch(location: string, body: Buffer, range?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
  if (range) headers['Content-Range'] = range;
  return fetch(location, { method: 'PATCH', headers, body });
}

describe('base endpoint', () => {
  it('GET /v2/ answers {} with the API version header', async () => {
    const res = await fetch(`${reg.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await res.json()).toEqual({});
  });

  it('rejects invalid repository names and unknown routes with spec errors', async () => {
    const bad = await fetch(`${reg.url}/v2/Upper/Case/tags/list`);
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('NAME_INVALID');
    const nowhere = await fetch(`${reg.url}/v3/`);
    expect(nowhere.status).toBe(404);
    const method = await fetch(`${reg.url}/v2/a/tags/list`, { method: 'POST' });
    expect(method.status).toBe(405);
    expect(await errorCode(method)).toBe('UNSUPPORTED');
  });
});

describe('monolithic uploads', () => {
  it('accepts content matching its sha256 or sha512 digest', async () => {
    for (const digest of [sha256('hello'), sha512('hello')]) {
      const res = await pushBlob(reg.url, 'up/mono', 'hello', digest);
      expect(res.status).toBe(201);
      expect(res.headers.get('docker-content-digest')).toBe(digest);
      expect(res.headers.get('location')).toBe(`/v2/up/mono/blobs/${digest}`);
      const get = await fetch(`${reg.url}/v2/up/mono/blobs/${digest}`);
      expect(await get.text()).toBe('hello');
    }
  });

  it('rejects content that does not match its digest with 400 DIGEST_INVALID and stores nothing', async () => {
    for (const digest of [sha256('something else'), sha512('something else')]) {
      const res = await pushBlob(reg.url, 'up/mono', 'hello!', digest);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('DIGEST_INVALID');
      expect((await fetch(`${reg.url}/v2/up/mono/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
    }
    const malformed = await pushBlob(reg.url, 'up/mono', 'x', 'sha256:nothex');
    expect(await errorCode(malformed)).toBe('DIGEST_INVALID');
    expect(await readdir(join(reg.root, 'uploads'))).toEqual([]);
  });
});

describe('chunked uploads', () => {
  it('follows the POST / PATCH / GET / PUT protocol and answers 416 to out-of-order chunks', async () => {
    const data = randomBytes(30);
    const { location, res } = await startUpload();
    expect(res.status).toBe(202);
    expect(res.headers.get('docker-upload-uuid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('range')).toBe('0-0');

    const ahead = await patch(location, data.subarray(10, 20), '10-19');
    expect(ahead.status).toBe(416);
    expect(await errorCode(ahead)).toBe('BLOB_UPLOAD_INVALID');

    const first = await patch(location, data.subarray(0, 10), '0-9');
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe('0-9');

    const retry = await patch(location, data.subarray(0, 10), '0-9');
    expect(retry.status).toBe(416);
    expect(retry.headers.get('range')).toBe('0-9');

    const status = await fetch(location);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-9');
    expect(status.headers.get('location')).toBeTruthy();

    const streamed = await patch(location, data.subarray(10, 20)); // no Content-Range: appended
    expect(streamed.status).toBe(202);
    expect(streamed.headers.get('range')).toBe('0-19');

    const put = await fetch(`${location}?digest=${sha256(data)}`, { method: 'PUT', body: data.subarray(20) });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(sha256(data));
    const blob = Buffer.from(await (await fetch(`${reg.url}/v2/up/test/blobs/${sha256(data)}`)).arrayBuffer());
    expect(blob.equals(data)).toBe(true);
    expect((await fetch(location)).status).toBe(404);
  });

  it('rejects a chunk whose length disagrees with its Content-Range and keeps the offset', async () => {
    const { location } = await startUpload();
    const res = await patch(location, Buffer.from('abc'), '0-9');
    expect(res.status).toBe(416);
    expect((await fetch(location)).headers.get('range')).toBe('0-0');
    expect((await patch(location, Buffer.from('abc'), '0-2')).status).toBe(202);
    expect((await fetch(location, { method: 'DELETE' })).status).toBe(204);
  });

  it('verifies the finished content (sha512 too) and discards an upload whose digest mismatches', async () => {
    const data = randomBytes(1000);
    const ok = await startUpload();
    await patch(ok.location, data);
    expect((await fetch(`${ok.location}?digest=${sha512(data)}`, { method: 'PUT' })).status).toBe(201);
    expect((await fetch(`${reg.url}/v2/up/test/blobs/${sha512(data)}`, { method: 'HEAD' })).headers.get('content-length')).toBe('1000');

    const bad = await startUpload();
    await patch(bad.location, data);
    const put = await fetch(`${bad.location}?digest=${sha256('not it')}`, { method: 'PUT' });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe('DIGEST_INVALID');
    const gone = await fetch(bad.location);
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('cancels uploads and keeps them per repository', async () => {
    const { location } = await startUpload('up/one');
    const elsewhere = location.replace('/up/one/', '/up/two/');
    expect((await fetch(elsewhere)).status).toBe(404);
    expect((await fetch(location, { method: 'DELETE' })).status).toBe(204);
    const again = await fetch(location, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('handles concurrent pushes of the same blob (monolithic and chunked) without corruption', async () => {
    const data = randomBytes(1 << 20);
    const digest = sha256(data);
    const mono = Array.from({ length: 6 }, (_, i) => pushBlob(reg.url, `up/same${i % 2}`, data));
    const chunked = Array.from({ length: 6 }, async (_, i) => {
      const { location } = await startUpload(`up/same${i % 2}`);
      await patch(location, data.subarray(0, 300_000), '0-299999');
      await patch(location, data.subarray(300_000));
      return fetch(`${location}?digest=${digest}`, { method: 'PUT' });
    });
    const results = await Promise.all([...mono, ...chunked]);
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    for (const name of ['up/same0', 'up/same1']) {
      const got = Buffer.from(await (await fetch(`${reg.url}/v2/${name}/blobs/${digest}`)).arrayBuffer());
      expect(sha256(got)).toBe(digest);
    }
    expect(await readdir(join(reg.root, 'uploads'))).toEqual([]);
    expect(await readdir(join(reg.root, 'tmp'))).toEqual([]);
  });
});

describe('interrupted requests', () => {
  /** Sends headers promising 1 MB and 5 kB of body, then hangs up. */
  function hangUp(method: string, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(reg.url).port), '127.0.0.1', () => {
        socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\nContent-Type: application/octet-stream\r\n\r\n`);
        socket.end(Buffer.alloc(5000, 1), () => setTimeout(resolve, 200));
      });
      socket.on('error', reject);
    });
  }

  it('keeps an upload at its last good offset and leaves no monolithic leftovers', async () => {
    const { location } = await startUpload('up/abort');
    expect((await patch(location, Buffer.from('abc'))).status).toBe(202);
    const path = new URL(location).pathname;
    await hangUp('PATCH', path);
    await hangUp('POST', `/v2/up/abort/blobs/uploads/?digest=${sha256('whatever')}`);
    await hangUp('PUT', '/v2/up/abort/manifests/v1');
    const status = await fetch(location);
    expect([status.status, status.headers.get('range')]).toEqual([204, '0-2']);
    expect(await readdir(join(reg.root, 'uploads'))).toEqual([path.split('/').pop()]);
    expect((await fetch(location, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('blob reads', () => {
  const data = Buffer.from('0123456789');
  beforeAll(async () => {
    expect((await pushBlob(reg.url, 'up/range', data)).status).toBe(201);
  });

  it('serves HEAD with length and digest, GET whole', async () => {
    const head = await fetch(`${reg.url}/v2/up/range/blobs/${sha256(data)}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10');
    expect(head.headers.get('docker-content-digest')).toBe(sha256(data));
    expect(head.headers.get('accept-ranges')).toBe('bytes');
  });

  it('answers Range requests with 206 and 416', async () => {
    const url = `${reg.url}/v2/up/range/blobs/${sha256(data)}`;
    const part = await fetch(url, { headers: { Range: 'bytes=2-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await part.text()).toBe('2345');
    const open = await fetch(url, { headers: { Range: 'bytes=7-' } });
    expect(await open.text()).toBe('789');
    const suffix = await fetch(url, { headers: { Range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('789');
    const beyond = await fetch(url, { headers: { Range: 'bytes=10-20' } });
    expect(beyond.status).toBe(416);
  });

  it('serves a blob only in repositories that hold it', async () => {
    const res = await fetch(`${reg.url}/v2/up/other/blobs/${sha256(data)}`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('BLOB_UNKNOWN');
  });

  it('mounts a blob from another repository (201), else falls back to an upload (202)', async () => {
    const digest = sha256(data);
    const mounted = await fetch(`${reg.url}/v2/up/mounted/blobs/uploads/?mount=${digest}&from=up/range`, { method: 'POST' });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('location')).toBe(`/v2/up/mounted/blobs/${digest}`);
    expect((await fetch(`${reg.url}/v2/up/mounted/blobs/${digest}`)).status).toBe(200);
    const fallback = await fetch(`${reg.url}/v2/up/mounted2/blobs/uploads/?mount=${digest}&from=up/nowhere`, { method: 'POST' });
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('location')).toMatch(/^\/v2\/up\/mounted2\/blobs\/uploads\//);
  });

  it('deletes a blob from a repository (202), then 404', async () => {
    const url = `${reg.url}/v2/up/mounted/blobs/${sha256(data)}`;
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(404);
    expect(reg.events.at(-1)).toMatchObject({ type: 'registry:delete', repository: 'up/mounted', target: 'blob' });
  });
});

describe('streaming', () => {
  it('moves a 256 MiB blob in and out without holding it in memory', async () => {
    const chunk = Buffer.alloc(1 << 20, 7);
    const count = 256;
    const hash = createHash('sha256');
    for (let i = 0; i < count; i++) hash.update(chunk);
    const digest = `sha256:${hash.digest('hex')}`;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const body = Readable.toWeb(Readable.from((function* () { for (let i = 0; i < count; i++) yield chunk; })()));
      const res = await fetch(`${reg.url}/v2/up/big/blobs/uploads/?digest=${digest}`, { method: 'POST', body, duplex: 'half' } as RequestInit);
      expect(res.status).toBe(201);
      const get = await fetch(`${reg.url}/v2/up/big/blobs/${digest}`);
      const check = createHash('sha256');
      for await (const c of get.body as unknown as AsyncIterable<Uint8Array>) check.update(c);
      expect(`sha256:${check.digest('hex')}`).toBe(digest);
    } finally {
      clearInterval(sampler);
    }
    // Client and server share this process: buffering the blob anywhere would add >= 256 MiB.
    expect((peak - before) / 2 ** 20).toBeLessThan(192);
  }, 120_000);
});
