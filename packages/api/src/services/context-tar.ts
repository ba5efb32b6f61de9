import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

/** A tar holding one Dockerfile: the context of a build typed into the editor. */
export async function dockerfileTar(name: string, text: string): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name, mode: 0o644, mtime: new Date(0) }, text);
  pack.finalize();
  return collect(pack);
}

/**
 * Copies a context tar (plain or gzip), replacing or adding `name` with the
 * editor's Dockerfile text.
 */
export async function withDockerfile(context: Buffer, name: string, text: string): Promise<Buffer> {
  const extract = tar.extract();
  const pack = tar.pack();
  const normalized = name.replace(/^\.?\/+/, '');
  extract.on('entry', (header, stream, next) => {
    if (header.name.replace(/^\.?\/+/, '') === normalized) {
      stream.resume();
      stream.on('end', next);
      return;
    }
    stream.pipe(pack.entry(header, next));
  });
  const gz = context[0] === 0x1f && context[1] === 0x8b;
  const done = collect(pack);
  const sink = extract as unknown as NodeJS.WritableStream;
  if (gz) await pipeline(Readable.from([context]), createGunzip(), sink);
  else await pipeline(Readable.from([context]), sink);
  pack.entry({ name: normalized, mode: 0o644, mtime: new Date(0) }, text);
  pack.finalize();
  return done;
}

function collect(stream: tar.Pack): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => void chunks.push(c as Buffer));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
