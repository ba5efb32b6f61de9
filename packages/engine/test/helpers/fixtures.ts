import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { Engine } from '../../src/index.js';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

/** Builds a tar archive in memory (fixtures made by code, like ggcr's pkg/v1/random). */
export async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = e.content === undefined ? Buffer.alloc(0) : Buffer.from(e.content);
    const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(1_700_000_000_000), ...(e.linkname ? { linkname: e.linkname } : {}) };
    if (type === 'file') pack.entry(header, content);
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A small rootfs with a few files, a directory and a symlink. */
export function sampleRootfs(tag = 'a'): Promise<Buffer> {
  return tarOf([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/hostname', content: `host-${tag}\n` },
    { name: 'bin/', type: 'directory' },
    { name: 'bin/tool', content: Buffer.alloc(1000, tag), mode: 0o755 },
    { name: 'bin/alias', type: 'symlink', linkname: 'tool' },
  ]);
}

export function streamOf(buf: Buffer): Readable {
  return Readable.from([buf]);
}

export interface TempEngine {
  engine: Engine;
  root: string;
  cleanup(): void;
  /** Files under the store's staging directories (should be none after any operation). */
  leftovers(): string[];
}

export function tempEngine(): TempEngine {
  const root = mkdtempSync(join(tmpdir(), 'drydock-test-'));
  const engine = Engine.open({ root });
  return {
    engine,
    root,
    cleanup: () => {
      engine.close();
      rmSync(root, { recursive: true, force: true });
    },
    leftovers: () => ['ingest', 'tmp', 'trash'].flatMap((d) => readdirSync(join(root, d)).map((f) => `${d}/${f}`)),
  };
}

export const ctx = { actor: 'test' };
