/**
 * Test helpers: an in-process registry on 127.0.0.1 (port from the OS) over a temp root,
 * HTTP shortcuts for pushing blobs and manifests, and a child-process runner for real peers.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistryServer, listen, type RegistryEvent, type RegistryOptions } from '../src/index.js';

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  root: string;
  events: RegistryEvent[];
  close(): Promise<void>;
}

/** Starts a registry over a fresh temp root; `close` stops it and removes the root. */
export async function startRegistry(options: Partial<RegistryOptions> = {}): Promise<TestRegistry> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'drydock-registry-')));
  const events: RegistryEvent[] = [];
  const server = createRegistryServer({ ...options, root, onEvent: (e) => events.push(e) });
  const { port } = await listen(server, '127.0.0.1:0');
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    root,
    events,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.root) await rm(root, { recursive: true, force: true });
    },
  };
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function sha512(data: Buffer | string): string {
  return `sha512:${createHash('sha512').update(data).digest('hex')}`;
}

/** Monolithic blob push (`POST ?digest=`); returns the response. */
export function pushBlob(url: string, name: string, data: Buffer | string, digest = sha256(data)): Promise<Response> {
  return fetch(`${url}/v2/${name}/blobs/uploads/?digest=${encodeURIComponent(digest)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: typeof data === 'string' ? Buffer.from(data) : data,
  });
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** Pushes a manifest object (serialised as given) under `reference`; returns the response. */
export function pushManifest(url: string, name: string, reference: string, manifest: unknown, mediaType = OCI_MANIFEST): Promise<Response> {
  return fetch(`${url}/v2/${name}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType },
    body: typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
  });
}

/** A small image: pushes its config and one layer into `name`, returns the manifest (not pushed). */
export async function pushImageBlobs(url: string, name: string, seed = 'x'): Promise<{ manifest: Record<string, unknown>; body: string; digest: string; blobs: string[] }> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed, rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = Buffer.from(`layer-${seed}`);
  for (const blob of [config, layer]) {
    const res = await pushBlob(url, name, blob);
    if (res.status !== 201) throw new Error(`blob push failed: ${res.status} ${await res.text()}`);
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
  };
  const body = JSON.stringify(manifest);
  return { manifest, body, digest: sha256(body), blobs: [sha256(config), sha256(layer)] };
}

/** The first spec error code of an error response. */
export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never throws for a non-zero exit). */
export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A child that exits without reading its stdin makes this write fail with EPIPE: that is not an error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
