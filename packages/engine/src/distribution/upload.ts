import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import { DrydockError } from '../errors.js';
import type { RegistryClient } from './client.js';

/**
 * Blob uploads of the distribution spec for one repository: HEAD to learn
 * whether a blob is there, cross-repository mounts, and uploads started with
 * POST and finished with `PUT ?digest=` — monolithic (one PUT with the bytes),
 * streamed (one PATCH whose length is learned at the end) or chunked (PATCHes
 * of `chunkSize` bytes with Content-Range).
 */
export class BlobUploader {
  constructor(
    private readonly client: RegistryClient,
    readonly repository: string,
    private readonly scopes: string[],
  ) {}

  async exists(digest: Digest): Promise<boolean> {
    const res = await this.client.request('HEAD', `/v2/${this.repository}/blobs/${digest}`, { scopes: this.scopes, expect: [200, 404] });
    await res.body.dump();
    return res.statusCode === 200;
  }

  /** Asks the registry to link a blob from another repository; false when it declined (it then started an upload we cancel). */
  async mount(digest: Digest, from: string): Promise<boolean> {
    const scopes = [...this.scopes, `repository:${from}:pull`];
    const res = await this.client.request('POST', `/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
      scopes,
      expect: [201, 202],
    });
    await res.body.dump();
    if (res.statusCode === 201) return true;
    const location = res.headers.location;
    if (typeof location === 'string') {
      await this.client
        .request('DELETE', this.resolve(location), { scopes })
        .then((r) => r.body.dump())
        .catch(() => {});
    }
    return false;
  }

  /** One POST and one PUT carrying the whole blob (configs and other small blobs). */
  async putMonolithic(digest: Digest, data: Buffer): Promise<void> {
    const location = await this.start();
    const res = await this.client.request('PUT', withDigest(location, digest), {
      scopes: this.scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
      body: data,
      expect: [201],
    });
    await res.body.dump();
  }

  /**
   * Uploads what `source` yields; `digestOf` is read once it has ended (the
   * caller digests while compressing). With `chunkSize`, PATCHes carry at most
   * that many bytes each; otherwise one streamed PATCH carries everything.
   */
  async putStream(source: Readable, digestOf: () => Digest, opts: { chunkSize?: number } = {}): Promise<void> {
    let location = await this.start();
    if (opts.chunkSize) {
      let offset = 0;
      for await (const chunk of chunks(source, opts.chunkSize)) {
        const res = await this.client.request('PATCH', location, {
          scopes: this.scopes,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}`, 'content-length': String(chunk.length) },
          body: chunk,
          expect: [202],
        });
        await res.body.dump();
        location = this.nextLocation(res.headers.location, location);
        offset += chunk.length;
      }
    } else {
      const res = await this.client.request('PATCH', location, {
        scopes: this.scopes,
        headers: { 'content-type': 'application/octet-stream' },
        body: source,
        expect: [202],
      });
      await res.body.dump();
      location = this.nextLocation(res.headers.location, location);
    }
    const done = await this.client.request('PUT', withDigest(location, digestOf()), { scopes: this.scopes, headers: { 'content-length': '0' }, expect: [201] });
    await done.body.dump();
  }

  private async start(): Promise<string> {
    const res = await this.client.request('POST', `/v2/${this.repository}/blobs/uploads/`, { scopes: this.scopes, headers: { 'content-length': '0' }, expect: [202] });
    await res.body.dump();
    return this.nextLocation(res.headers.location, undefined);
  }

  private nextLocation(header: string | string[] | undefined, previous: string | undefined): string {
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) {
      if (previous) return previous;
      throw new DrydockError('registry', `${this.client.host.domain} started an upload without a Location`);
    }
    return this.resolve(value);
  }

  private resolve(location: string): string {
    return new URL(location, this.client.baseUrl).toString();
  }
}

function withDigest(location: string, digest: Digest): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** Re-slices a stream into buffers of exactly `size` bytes (the last may be shorter). */
async function* chunks(source: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const data of source as AsyncIterable<Buffer>) {
    let buf = data;
    while (length + buf.length >= size) {
      const take = size - length;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending);
      pending = [];
      length = 0;
      buf = buf.subarray(take);
    }
    if (buf.length) {
      pending.push(buf);
      length += buf.length;
    }
  }
  if (length) yield Buffer.concat(pending);
}
