import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DrydockError } from '../errors.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

/** Recognises a compression format by its magic bytes (as Docker's archive.DetectCompression). */
export function detectCompression(head: Uint8Array): Compression {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  return 'none';
}

/**
 * Returns the stream decompressed, whatever its format. gzip uses zlib;
 * bzip2, xz and zstd use the system's multi-threaded tools (Docker shells out
 * to `xz` the same way) — they are installed with the engine's packages.
 */
export async function decompress(input: Readable): Promise<{ stream: Readable; compression: Compression }> {
  const head = await peek(input, 6);
  const compression = detectCompression(head);
  switch (compression) {
    case 'none':
      return { stream: input, compression };
    case 'gzip':
      return { stream: viaGunzip(input), compression };
    case 'bzip2':
      return { stream: viaProcess(input, 'bzip2', ['-dc']), compression };
    case 'xz':
      return { stream: viaProcess(input, 'xz', ['-dc', '-T0']), compression };
    case 'zstd':
      return { stream: viaProcess(input, 'zstd', ['-dc', '-q']), compression };
  }
}

/** Reads at least `n` bytes (or all there is) and pushes them back. */
async function peek(input: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const chunk: Buffer | null = input.read() ?? (await nextChunk(input));
    if (chunk === null) break;
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  if (head.length > 0) input.unshift(head);
  return head;
}

function nextChunk(input: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
    };
    const onReadable = () => {
      const c = input.read() as Buffer | null;
      if (c !== null) {
        cleanup();
        resolve(c);
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    input.on('readable', onReadable);
    input.on('end', onEnd);
    input.on('error', onError);
  });
}

function viaProcess(input: Readable, command: string, args: string[]): Readable {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', (err: NodeJS.ErrnoException) => {
    const message = err.code === 'ENOENT' ? `${command} is not installed: cannot decompress a ${command} stream` : `${command}: ${err.message}`;
    out.destroy(new DrydockError('unsupported', message, { cause: err }));
  });
  input.on('error', (err) => out.destroy(err));
  child.stdin.on('error', () => {}); // EPIPE when the tool exits early; its exit status says why
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  let exited: number | null = null;
  let drained = false;
  const finish = () => {
    if (exited === null || !drained) return;
    if (exited === 0) out.end();
    else out.destroy(new DrydockError('invalid-archive', `corrupt ${command} stream: ${stderr.trim().split('\n')[0] ?? ''}`.trim()));
  };
  child.stdout.on('end', () => {
    drained = true;
    finish();
  });
  child.on('exit', (code) => {
    exited = code ?? 1;
    finish();
  });
  return out;
}

/** zlib reports corrupt input with codes like Z_DATA_ERROR; we report it as a bad archive. */
function viaGunzip(input: Readable): Readable {
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  input.on('error', (err) => out.destroy(err));
  gunzip.on('error', (err) => out.destroy(new DrydockError('invalid-archive', `corrupt gzip stream: ${err.message}`, { cause: err })));
  input.pipe(gunzip).pipe(out);
  return out;
}
