/**
 * skopeo (containers/image) against the registry: an OCI image copied in and back out,
 * with and without htpasswd credentials.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startRegistry, type TestRegistry } from './helpers.js';

const FIXTURES = process.env.DRYDOCK_FIXTURES ?? '/var/cache/drydock-test';

let work: string;
let layout: string;
let manifestDigest: string;

/** Writes an OCI image layout of the busybox rootfs (one gzip layer) tagged `1`. */
async function buildLayout(dir: string): Promise<string> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (data: Buffer) => {
    const hex = createHash('sha256').update(data).digest('hex');
    await writeFile(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const tarHash = createHash('sha256');
  const gzHash = createHash('sha256');
  const tmp = join(dir, 'layer.tmp');
  await pipeline(
    createReadStream(join(FIXTURES, 'busybox-rootfs.tar')),
    new Transform({ transform: (c: Buffer, _e, done) => (tarHash.update(c), done(null, c)) }),
    createGzip(),
    new Transform({ transform: (c: Buffer, _e, done) => (gzHash.update(c), done(null, c)) }),
    createWriteStream(tmp),
  );
  const layerHex = gzHash.digest('hex');
  await rename(tmp, join(blobs, layerHex));
  const config = await put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${tarHash.digest('hex')}`] } })));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${layerHex}`, size: (await stat(join(blobs, layerHex))).size }],
    }),
  );
  const m = await put(manifest);
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': '1' } }] };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return m.digest;
}

function skopeo(...args: string[]) {
  return run('skopeo', ['--insecure-policy', ...args]);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'drydock-skopeo-'));
  layout = join(work, 'in');
  manifestDigest = await buildLayout(layout);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('skopeo', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => {
    await reg.close();
  });

  it('copies an OCI image into the registry and back out unchanged', async () => {
    const ref = `docker://${reg.host}/test/busybox:1`;
    const push = await skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:1`, ref);
    expect(push.code, push.stderr).toBe(0);
    expect(reg.events.find((e) => e.type === 'registry:push')).toMatchObject({ repository: 'test/busybox', reference: '1', digest: manifestDigest });

    const inspect = await skopeo('inspect', '--tls-verify=false', ref);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(manifestDigest);
    const tags = await skopeo('list-tags', '--tls-verify=false', `docker://${reg.host}/test/busybox`);
    expect(JSON.parse(tags.stdout).Tags).toEqual(['1']);

    const out = join(work, 'out');
    const pull = await skopeo('copy', '--src-tls-verify=false', ref, `oci:${out}:1`);
    expect(pull.code, pull.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests[0]?.digest).toBe(manifestDigest);
    const manifest = JSON.parse(await readFile(join(out, 'blobs', 'sha256', manifestDigest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
    const layer = manifest.layers[0]!.digest.slice(7);
    expect((await readFile(join(out, 'blobs', 'sha256', layer))).equals(await readFile(join(layout, 'blobs', 'sha256', layer)))).toBe(true);

    const del = await skopeo('delete', '--tls-verify=false', ref);
    expect(del.code, del.stderr).toBe(0);
    expect((await fetch(`${reg.url}/v2/test/busybox/manifests/1`)).status).toBe(404);
  });
});

describe('skopeo with htpasswd', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    const file = join(work, 'htpasswd');
    await writeFile(file, `ci:${await bcrypt.hash('letmein', 5)}\n`);
    reg = await startRegistry({ htpasswd: file });
  });
  afterAll(async () => {
    await reg.close();
  });

  it('pushes and pulls with --dest-creds/--src-creds and is refused with a wrong password (401)', async () => {
    const ref = `docker://${reg.host}/private/busybox:1`;
    const wrong = await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', 'ci:nope', `oci:${layout}:1`, ref);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401|unauthorized/i);
    const anonymous = await skopeo('copy', '--dest-tls-verify=false', '--dest-no-creds', `oci:${layout}:1`, ref);
    expect(anonymous.code).not.toBe(0);

    const push = await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', 'ci:letmein', `oci:${layout}:1`, ref);
    expect(push.code, push.stderr).toBe(0);
    const pull = await skopeo('copy', '--src-tls-verify=false', '--src-creds', 'ci:letmein', ref, `oci:${join(work, 'private')}:1`);
    expect(pull.code, pull.stderr).toBe(0);
    const denied = await skopeo('inspect', '--tls-verify=false', '--creds', 'ci:wrong', ref);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/401|unauthorized/i);
    expect(reg.events.filter((e) => e.type === 'registry:push').every((e) => e.user === 'ci')).toBe(true);
  });
});
