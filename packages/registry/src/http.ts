/**
 * HTTP helpers: responses with exact Content-Length, spec error bodies, bounded body reads,
 * Range/Content-Range parsing and `n`/`last` pagination.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from './errors.js';

export type Headers = Record<string, string | number | string[]>;

/** Sends a complete response; HEAD requests get the headers (with the body's length) only. */
export function send(res: ServerResponse, status: number, headers: Headers, body?: string | Buffer, head = false): void {
  const buf = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'Content-Length': buf?.length ?? 0 });
  res.end(head ? undefined : buf);
}

export function sendJSON(res: ServerResponse, status: number, value: unknown, headers: Headers = {}, head = false): void {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(value), head);
}

/** Sends the spec's error body for `err` (no body for HEAD). */
export function sendError(res: ServerResponse, err: RegistryError, head: boolean, headers: Headers = {}): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  sendJSON(res, err.status, err.toJSON(), headers, head);
}

/** Reads the whole body, refusing more than `limit` bytes with `tooLarge`; a body cut short is `size-invalid`. */
export async function readBody(req: IncomingMessage, limit: number, tooLarge: () => RegistryError): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (err: RegistryError) => {
      if (!settled) reject(err);
      settled = true;
    };
    // Past the limit the rest of the body is discarded as it arrives, so the error can be sent.
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > limit) {
        chunks.length = 0;
        fail(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!settled) resolve(Buffer.concat(chunks));
      settled = true;
    });
    req.on('error', (err) => fail(new RegistryError('size-invalid', 'request body ended before its Content-Length', undefined, { cause: err })));
  });
}

/** The `Range` header of an upload status: `0-<last byte>` (`0-0` when empty, as clients expect). */
export function uploadRange(offset: number): string {
  return `0-${Math.max(offset - 1, 0)}`;
}

/**
 * Parses a PATCH `Content-Range` (`<start>-<end>`, also `bytes <start>-<end>[/<total>]`);
 * throws `range-invalid` (416) when malformed.
 */
export function parseContentRange(value: string): { start: number; end: number } {
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(value.trim());
  const start = m ? Number(m[1]) : NaN;
  const end = m ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw new RegistryError('range-invalid', 'invalid Content-Range', { contentRange: value });
  }
  return { start, end };
}

/**
 * Parses a GET `Range: bytes=a-b` (one range; `a-`, `-n` suffix forms too) against a blob of
 * `size` bytes. Returns undefined when the header is absent or not a bytes range (serve whole),
 * or throws `range-not-satisfiable`.
 */
export function parseByteRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(size - suffix, 0);
    end = size - 1;
    if (suffix === 0) start = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) {
    throw new RegistryError('range-not-satisfiable', 'requested range not satisfiable', { range: value, size });
  }
  return { start, end };
}

/**
 * Applies the spec's `n` and `last` query parameters to a sorted list. Returns the page and,
 * when more entries follow, the `last` value for the next page.
 */
export function paginate(items: string[], url: URL): { page: string[]; next?: { n: number; last: string } } {
  const last = url.searchParams.get('last');
  const nRaw = url.searchParams.get('n');
  const n = nRaw !== null && /^\d+$/.test(nRaw) ? Number(nRaw) : undefined;
  const after = last === null ? items : items.filter((i) => i > last);
  if (n === undefined) return { page: after };
  const page = after.slice(0, n);
  const tail = page[page.length - 1];
  return after.length > n && tail !== undefined ? { page, next: { n, last: tail } } : { page };
}

/** The RFC 5988 `Link` header for the next page of `path`. */
export function nextLink(path: string, next: { n: number; last: string }): string {
  const q = new URLSearchParams({ n: String(next.n), last: next.last });
  return `<${path}?${q.toString()}>; rel="next"`;
}
