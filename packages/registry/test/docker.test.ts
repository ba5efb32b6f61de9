/**
 * Docker (Debian's docker.io) against the registry: push an imported busybox image, remove it,
 * pull it back. Docker treats 127.0.0.0/8 registries as insecure (plain HTTP) by default.
 * Nothing is pulled from the internet: the image is imported from the busybox rootfs fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startRegistry, type TestRegistry } from './helpers.js';

const FIXTURES = process.env.DRYDOCK_FIXTURES ?? '/var/cache/drydock-test';
const SOURCE = 'drydock-registry-test/busybox:src';

let reg: TestRegistry;
let target: string;
let imageId: string;

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  await docker('version');
  imageId = (await docker('import', '-c', 'CMD ["/bin/sh"]', `${FIXTURES}/busybox-rootfs.tar`, SOURCE)).trim();
  reg = await startRegistry();
  target = `${reg.host}/test/img:1`;
}, 120_000);

afterAll(async () => {
  await run('docker', ['rmi', '-f', SOURCE, target]);
  await reg?.close();
});

describe('docker', () => {
  it('pushes an image, and pulls it back after it was removed', async () => {
    await docker('tag', SOURCE, target);
    const push = await docker('push', target);
    expect(push).toMatch(/1: digest: sha256:[0-9a-f]{64} size: \d+/);
    const pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(push)![1]!;
    expect(reg.events.find((e) => e.type === 'registry:push')).toMatchObject({ repository: 'test/img', reference: '1', digest: pushedDigest, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' });

    // Pushing again finds every layer present.
    expect(await docker('push', target)).toMatch(/Layer already exists/);

    await docker('rmi', target, SOURCE);
    expect((await run('docker', ['image', 'inspect', imageId])).code).not.toBe(0);

    const pull = await docker('pull', target);
    expect(pull).toContain(`Digest: ${pushedDigest}`);
    expect(await docker('image', 'inspect', '-f', '{{.Id}}', target)).toBe(imageId);
    expect(await docker('image', 'inspect', '-f', '{{index .RepoDigests 0}}', target)).toBe(`${reg.host}/test/img@${pushedDigest}`);
    expect(reg.events.some((e) => e.type === 'registry:pull' && e.digest === pushedDigest)).toBe(true);

    const out = await docker('run', '--rm', '--network', 'none', target, '/bin/sh', '-c', 'echo pulled-ok');
    expect(out).toBe('pulled-ok');
  }, 180_000);
});
