import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDistribution, type Distribution } from '../../../tooling/test/distribution.js';
import { busyboxTar, cliSandbox, expectCleanFailure, must, repoRoot, sh } from './helpers/cli.js';

/**
 * push and pull against real peers: Debian's docker-registry (distribution
 * 2.8), Docker 20.10 pulling what we push and pushing what we pull, and crane.
 */
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
let reg: Distribution;
const box = cliSandbox();
const dockerImages: string[] = [];

beforeAll(async () => {
  reg = await startDistribution();
  expect(box.run(['import', busyboxTar, `${reg.host}/team/bb:1`]).status).toBe(0);
}, 60_000);

afterAll(async () => {
  if (dockerImages.length) sh('docker', ['rmi', '-f', ...dockerImages]);
  await reg?.stop();
  box.cleanup();
});

async function manifestOf(host: string, repo: string, ref: string, accept = 'application/vnd.docker.distribution.manifest.v2+json'): Promise<Buffer> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { headers: { accept } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('image push', () => {
  it('pushes a schema 2 image that Docker pulls and runs with the same image ID; the next push skips the layer; another repository mounts it', async () => {
    const image = `${reg.host}/team/bb:1`;
    const id = box.run(['inspect', '-f', '{{.Id}}', image]).stdout.trim();
    const r = box.run(['push', image]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`The push refers to repository [${reg.host}/team/bb]`);
    expect(lines.slice(1, -1)).toEqual([expect.stringMatching(/^[0-9a-f]{12}: Preparing$/), expect.stringMatching(/^[0-9a-f]{12}: Pushed$/)]);
    const m = /^1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/.exec(lines.at(-1)!);
    expect(m).not.toBeNull();
    const manifest = await manifestOf(reg.host, 'team/bb', '1');
    expect(sha256(manifest)).toBe(m![1]);
    expect(manifest.length).toBe(Number(m![2]));
    const parsed = JSON.parse(manifest.toString()) as { mediaType: string; config: { digest: string }; layers: { mediaType: string }[] };
    expect(parsed.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(parsed.config.digest).toBe(id);
    expect(parsed.layers[0]!.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    // Docker records the pushed digest as a RepoDigest; so do we.
    expect(box.run(['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}']).stdout.trim()).toBe(`${reg.host}/team/bb:1 ${m![1]}`);

    must('docker', ['pull', '-q', image]);
    dockerImages.push(image);
    expect(must('docker', ['image', 'inspect', '-f', '{{.Id}}', image]).trim()).toBe(id);
    expect(must('docker', ['run', '--rm', '--network', 'none', image, 'echo', 'pushed by drydock']).trim()).toBe('pushed by drydock');

    expect(box.run(['push', '-q', image]).stdout).toBe(`${image}\n`);
    const again = box.run(['push', image]);
    expect(again.stdout).toMatch(/^[0-9a-f]{12}: Layer already exists$/m);
    expect(again.stdout).not.toMatch(/Pushed/);
    expect(box.run(['tag', image, `${reg.host}/other/bb:2`]).status).toBe(0);
    const mounted = box.run(['push', `${reg.host}/other/bb:2`]);
    expect(mounted.stdout, mounted.stderr).toMatch(/^[0-9a-f]{12}: Mounted from team\/bb$/m);
    expect(mounted.stdout).toContain(`2: digest: ${m![1]} size: ${m![2]}`);
  });

  it('compresses a large layer in several gzip members that Docker and crane read whole', () => {
    const dir = join(box.dir, 'big');
    must('sh', ['-c', `mkdir -p ${dir}/rootfs && cp ${busyboxTar} ${dir}/rootfs.tar && head -c 10485760 /dev/urandom > ${dir}/rootfs/big.bin && tar --numeric-owner -C ${dir}/rootfs -rf ${dir}/rootfs.tar big.bin`]);
    const expected = must('sha256sum', [join(dir, 'rootfs/big.bin')]).split(' ')[0];
    const image = `${reg.host}/team/big:1`;
    expect(box.run(['import', join(dir, 'rootfs.tar'), image]).status).toBe(0);
    const r = box.run(['push', image]);
    expect(r.status, r.stderr).toBe(0);
    const crane = must('bash', [join(repoRoot, 'scripts/crane.sh')]).trim();
    must(crane, ['validate', '--insecure', '--remote', image]);
    must('docker', ['pull', '-q', image]);
    dockerImages.push(image);
    expect(must('docker', ['run', '--rm', '--network', 'none', image, 'sha256sum', '/big.bin']).split(' ')[0]).toBe(expected);
  }, 300_000);

  it('push -a pushes every tag of the repository; a tag that does not exist is one line', async () => {
    expect(box.run(['tag', `${reg.host}/team/bb:1`, `${reg.host}/team/all:a`]).status).toBe(0);
    expect(box.run(['tag', `${reg.host}/team/bb:1`, `${reg.host}/team/all:b`]).status).toBe(0);
    const r = box.run(['push', '-a', `${reg.host}/team/all`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^a: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    expect(r.stdout).toMatch(/^b: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    const tags = (await (await fetch(`http://${reg.host}/v2/team/all/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags.sort()).toEqual(['a', 'b']);
    expect(expectCleanFailure(box.run(['push', `${reg.host}/team/none:1`]))).toBe(`An image does not exist locally with the tag: ${reg.host}/team/none`);
  });
});

describe('image pull', () => {
  it('pulls what Docker pushed, with Docker\'s lines, records the RepoDigest, runs it; a second pull is up to date', () => {
    const image = `${reg.host}/fromdocker/bb:1`;
    must('docker', ['import', busyboxTar, image]);
    dockerImages.push(image);
    must('docker', ['push', image]);
    const dockerId = must('docker', ['image', 'inspect', '-f', '{{.Id}}', image]).trim();
    const pusher = cliSandbox();
    try {
      const r = pusher.run(['pull', image]);
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('1: Pulling from fromdocker/bb');
      expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pull complete$/));
      const digest = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(r.stdout)?.[1];
      expect(digest).toBeDefined();
      expect(lines.slice(-2)).toEqual([`Status: Downloaded newer image for ${image}`, image]);
      expect(pusher.run(['inspect', '-f', '{{.Id}}', image]).stdout.trim()).toBe(dockerId);
      expect(pusher.run(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']).stdout.trim()).toBe(`${reg.host}/fromdocker/bb 1 ${digest}`);
      expect(pusher.run(['run', '--rm', '--network', 'none', image, 'echo', 'pulled by drydock']).stdout.trim()).toBe('pulled by drydock');
      // run of an image that is not here pulls it first, as Docker's does, its progress on stderr.
      const runner = cliSandbox();
      try {
        const ran = runner.run(['run', '--rm', '--network', 'none', image, 'echo', 'pulled by run']);
        expect({ status: ran.status, stdout: ran.stdout }).toEqual({ status: 0, stdout: 'pulled by run\n' });
        const progress = ran.stderr.trimEnd().split('\n');
        expect(progress.slice(0, 2)).toEqual([`Unable to find image '${image}' locally`, '1: Pulling from fromdocker/bb']);
        expect(progress.at(-1)).toBe(`Status: Downloaded newer image for ${image}`);
        expect(runner.run(['inspect', '-f', '{{.Id}}', image]).stdout.trim()).toBe(dockerId);
        // And Docker prints the same first and last lines when it pulls for run.
        must('docker', ['rmi', image]);
        const docker = sh('docker', ['run', '--rm', '--network', 'none', image, 'echo', 'pulled by run']);
        const dockerProgress = docker.stderr.trimEnd().split('\n');
        expect([dockerProgress[0], dockerProgress.at(-1)]).toEqual([progress[0], progress.at(-1)]);
      } finally {
        runner.cleanup();
      }
      const again = pusher.run(['pull', image]);
      expect(again.stdout).toContain(`Status: Image is up to date for ${image}`);
      expect(again.stdout).toMatch(/^[0-9a-f]{12}: Already exists$/m);
      // By digest: the name@digest form, as Docker prints it.
      const byDigest = pusher.run(['pull', `${reg.host}/fromdocker/bb@${digest}`]);
      expect(byDigest.status, byDigest.stderr).toBe(0);
      expect(byDigest.stdout.trimEnd().split('\n').at(-1)).toBe(`${reg.host}/fromdocker/bb@${digest}`);
    } finally {
      pusher.cleanup();
    }
  });

  it('crane copies what we push, and we pull crane\'s copy as the same image', () => {
    const crane = must('bash', [join(repoRoot, 'scripts/crane.sh')]).trim();
    const src = `${reg.host}/team/bb:1`;
    expect(box.run(['push', src]).status).toBe(0);
    must(crane, ['copy', '--insecure', src, `${reg.host}/crane/bb:copy`]);
    must(crane, ['validate', '--insecure', '--remote', `${reg.host}/crane/bb:copy`]);
    const fresh = cliSandbox();
    try {
      const r = fresh.run(['pull', '-q', `${reg.host}/crane/bb:copy`]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${reg.host}/crane/bb:copy\n`);
      expect(fresh.run(['inspect', '-f', '{{.Id}}', `${reg.host}/crane/bb:copy`]).stdout).toBe(box.run(['inspect', '-f', '{{.Id}}', src]).stdout);
    } finally {
      fresh.cleanup();
    }
  }, 300_000);

  it('picks the platform from a manifest list; a list only for another platform is one line and tags nothing', async () => {
    const image = `${reg.host}/team/bb:1`;
    const manifest = await manifestOf(reg.host, 'team/bb', '1');
    const m = JSON.parse(manifest.toString()) as { config: { digest: string; size: number }; layers: unknown[] };
    // The same layers with an arm64 config: a second platform of one image.
    const configRes = await fetch(`http://${reg.host}/v2/team/bb/blobs/${m.config.digest}`);
    const config = JSON.parse(await configRes.text()) as Record<string, unknown>;
    const armConfig = Buffer.from(JSON.stringify({ ...config, architecture: 'arm64', variant: 'v8' }));
    await putBlob(reg.host, 'team/bb', armConfig);
    const armManifest = Buffer.from(JSON.stringify({ ...m, config: { ...m.config, digest: sha256(armConfig), size: armConfig.length } }));
    await putManifest(reg.host, 'team/bb', 'arm', armManifest, 'application/vnd.docker.distribution.manifest.v2+json');
    const entry = (b: Buffer, architecture: string) => ({ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: sha256(b), size: b.length, platform: { os: 'linux', architecture } });
    const list = (entries: object[]) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: entries }));
    const multi = list([entry(armManifest, 'arm64'), entry(manifest, 'amd64')]);
    await putManifest(reg.host, 'team/bb', 'multi', multi, 'application/vnd.docker.distribution.manifest.list.v2+json');
    await putManifest(reg.host, 'team/bb', 'armonly', list([entry(armManifest, 'arm64')]), 'application/vnd.docker.distribution.manifest.list.v2+json');

    const fresh = cliSandbox();
    try {
      const host = fresh.run(['pull', `${reg.host}/team/bb:multi`]);
      expect(host.status, host.stderr).toBe(0);
      expect(host.stdout).toContain(`Digest: ${sha256(multi)}`);
      expect(fresh.run(['inspect', '-f', '{{.Id}}', `${reg.host}/team/bb:multi`]).stdout).toBe(box.run(['inspect', '-f', '{{.Id}}', image]).stdout);
      const arm = fresh.run(['pull', '--platform', 'linux/arm64', `${reg.host}/team/bb:multi`]);
      expect(arm.status, arm.stderr).toBe(0);
      expect(fresh.run(['inspect', '-f', '{{.Id}} {{.Architecture}}', `${reg.host}/team/bb:multi`]).stdout.trim()).toBe(`${sha256(armConfig)} arm64`);

      const before = fresh.run(['images', '-q']).stdout;
      expect(expectCleanFailure(fresh.run(['pull', `${reg.host}/team/bb:armonly`]))).toBe('Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries');
      expect(expectCleanFailure(fresh.run(['pull', '--platform', 'linux/arm64', `${reg.host}/team/bb:1`]))).toMatch(/does not match the specified platform: wanted linux\/arm64, actual: linux\/amd64$/);
      expect(fresh.run(['images', '-q']).stdout).toBe(before);
      expect(fresh.run(['images', '--format', '{{.Tag}}', `${reg.host}/team/bb`]).stdout).not.toMatch(/armonly|^1$/m);
    } finally {
      fresh.cleanup();
    }
  });

  it('pulls an OCI image with an uncompressed and a zstd layer (downloaded at once), runs it, and pushes it back gzip-compressed for Docker', async () => {
    const base = readFileSync(busyboxTar);
    const helloTar = execFileSync('sh', ['-c', `d=$(mktemp -d) && printf 'hello zstd\\n' > $d/hello.txt && tar --numeric-owner -C $d -cf - hello.txt && rm -rf $d`]);
    const helloZst = execFileSync('zstd', ['-c', '-q'], { input: helloTar });
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['cat', '/hello.txt'] }, rootfs: { type: 'layers', diff_ids: [sha256(base), sha256(helloTar)] } }),
    );
    for (const blob of [base, helloZst, config]) await putBlob(reg.host, 'oci/zstd', blob);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(base), size: base.length },
          { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha256(helloZst), size: helloZst.length },
        ],
      }),
    );
    await putManifest(reg.host, 'oci/zstd', '1', manifest, 'application/vnd.oci.image.manifest.v1+json');
    const fresh = cliSandbox();
    try {
      const pull = await fresh.spawn(['pull', `${reg.host}/oci/zstd:1`]);
      expect(pull.status, pull.stderr).toBe(0);
      expect(pull.stdout.match(/: Pull complete$/gm)).toHaveLength(2);
      expect(fresh.run(['inspect', '-f', '{{.Id}}', `${reg.host}/oci/zstd:1`]).stdout.trim()).toBe(sha256(config));
      expect(fresh.run(['run', '--rm', '--network', 'none', `${reg.host}/oci/zstd:1`]).stdout).toBe('hello zstd\n');

      const back = `${reg.host}/oci/back:1`;
      expect(fresh.run(['tag', `${reg.host}/oci/zstd:1`, back]).status).toBe(0);
      const push = fresh.run(['push', back]);
      expect(push.status, push.stderr).toBe(0);
      expect(push.stdout.match(/: Pushed$/gm)).toHaveLength(2);
      const pushed = JSON.parse((await manifestOf(reg.host, 'oci/back', '1')).toString()) as { layers: { mediaType: string }[] };
      expect(pushed.layers.map((l) => l.mediaType)).toEqual(Array(2).fill('application/vnd.docker.image.rootfs.diff.tar.gzip'));
      must('docker', ['pull', '-q', back]);
      dockerImages.push(back);
      expect(must('docker', ['image', 'inspect', '-f', '{{.Id}}', back]).trim()).toBe(sha256(config));
      expect(must('docker', ['run', '--rm', '--network', 'none', back])).toBe('hello zstd\n');
    } finally {
      fresh.cleanup();
    }
  });

  it('pull -a pulls every tag', () => {
    const fresh = cliSandbox();
    try {
      const r = fresh.run(['pull', '-a', `${reg.host}/team/all`]);
      expect(r.status, r.stderr).toBe(0);
      expect(fresh.run(['images', '--format', '{{.Tag}}', `${reg.host}/team/all`]).stdout.trim().split('\n').sort()).toEqual(['a', 'b']);
    } finally {
      fresh.cleanup();
    }
  });
});

async function putBlob(host: string, repo: string, data: Buffer): Promise<void> {
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(start.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', sha256(data));
  const put = await fetch(location, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
  expect(put.status).toBe(201);
}

async function putManifest(host: string, repo: string, tag: string, data: Buffer, type: string): Promise<void> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: data, headers: { 'content-type': type } });
  expect(res.status, await res.text()).toBe(201);
}


