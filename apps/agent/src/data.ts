import { Readable, Transform, type Writable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DrydockError } from '@drydock/engine';
import type { DataSink, DataSource } from '@drydock/protocol';

/** How the agent authenticates its own transfers to the hub: its per-host token. */
export type TokenSource = () => string | undefined;

function headersFor(given: Record<string, string> | undefined, token: TokenSource): Record<string, string> {
  const headers = { ...given };
  const bearer = token();
  if (bearer && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = `Bearer ${bearer}`;
  return headers;
}

/** The bytes of an upload: fetched from the hub, or carried in the job itself. `signal` aborts the download. */
export async function openSource(source: DataSource, token: TokenSource, signal?: AbortSignal): Promise<Readable> {
  if (source.kind === 'inline') return Readable.from([Buffer.from(source.data)]);
  const res = await fetch(source.url, { headers: headersFor(source.headers, token), ...(signal ? { signal } : {}) });
  if (!res.ok || !res.body) throw new DrydockError('invalid-argument', `cannot fetch ${source.url}: HTTP ${res.status}`);
  return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
}

/**
 * Streams what `write` produces to the sink with one chunked PUT; resolves
 * with the bytes sent once both the writer and the upload are done.
 */
export async function writeToSink(sink: DataSink, token: TokenSource, write: (out: Writable) => Promise<void>): Promise<number> {
  let bytes = 0;
  const pass = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const upload = fetch(sink.url, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-tar', ...headersFor(sink.headers, token) },
    body: Readable.toWeb(pass) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit);
  const produced = write(pass).then(
    () => pass.end(),
    (err: unknown) => {
      pass.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    },
  );
  const [res] = await Promise.all([upload, produced]);
  if (!res.ok) throw new DrydockError('invalid-argument', `upload to ${sink.url} failed: HTTP ${res.status}`);
  return bytes;
}
