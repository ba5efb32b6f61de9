import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, HTTP_STATUS } from '../errors.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) {
    if (err.code === 'unauthorized') res.setHeader('www-authenticate', 'Bearer realm="drydock"');
    return sendJson(res, HTTP_STATUS[err.code], { error: err.code, message: err.message });
  }
  const zod = err as { name?: string; issues?: { message: string; path: (string | number)[] }[] };
  if (zod?.name === 'ZodError' && zod.issues?.[0]) {
    const i = zod.issues[0];
    return sendJson(res, 400, { error: 'bad-request', message: `${i.path.join('.') || 'body'}: ${i.message}` });
  }
  sendJson(res, 500, { error: 'internal', message: (err as Error)?.message ?? 'internal error' });
}

/** Reads a request body whole, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit = 1 << 30): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new ApiError('bad-request', `body larger than ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, 1 << 20);
  try {
    return body.length ? (JSON.parse(body.toString('utf8')) as unknown) : {};
  } catch {
    throw new ApiError('bad-request', 'the body is not JSON');
  }
}
