import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest.js';
import { formatChanges } from '../../src/snapshot/diff.js';
import { mountsUnder, performUnmount } from '../../src/snapshot/mount.js';
import { Snapshotter } from '../../src/snapshot/snapshotter.js';
import { unpackLayer } from '../../src/snapshot/unpack.js';
import { describeTree, listTar } from './helpers.js';

/** A ~172 MB Debian rootfs tar (docker export of debian:bookworm) provisioned on test machines. */
const DEBIAN = '/var/cache/drydock-test/debian-rootfs.tar';
const open = () => createReadStream(DEBIAN, { highWaterMark: 1 << 20 });

describe.runIf(existsSync(DEBIAN))('a real Debian rootfs', () => {
  const base = mkdtempSync(join(tmpdir(), 'drydock-debian-'));
  afterAll(() => {
    for (const t of mountsUnder(base)) performUnmount(t, { lazy: true });
    rmSync(base, { recursive: true, force: true });
  });

  it('unpacks once, mounts, diffs and commits like Docker', async () => {
    const hash = createHash('sha256');
    for await (const chunk of open()) hash.update(chunk as Buffer);
    const diffId = `sha256:${hash.digest('hex')}` as Digest;
    const snap = new Snapshotter(base);

    const t0 = performance.now();
    await snap.prepareLayers([{ diffId, chainId: diffId, open }]);
    console.log(`prepareLayers(debian-rootfs.tar): ${Math.round(performance.now() - t0)} ms`);

    const plan = await snap.prepare('deb', diffId);
    snap.mount(plan);
    const m = plan.target;
    expect(lstatSync(join(m, 'dev/null')).rdev).toBe(0x103);
    appendFileSync(join(m, 'etc/passwd'), 'app:x:1000:1000::/home/app:/bin/sh\n');
    rmSync(join(m, 'usr/share/doc'), { recursive: true });
    writeFileSync(join(m, 'root/hello'), 'hello\n');
    writeFileSync(join(m, 'bin/newtool'), '#!/bin/sh\n', { mode: 0o755 }); // through the /bin -> usr/bin symlink
    mkdirSync(join(m, 'etc/hostname-dir'));
    writeFileSync(join(m, 'etc/hostname'), 'c0ffee\n');

    expect(formatChanges(snap.changes('deb', { excludePaths: ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'] }))).toBe(
      ['C /etc', 'A /etc/hostname-dir', 'C /etc/passwd', 'C /root', 'A /root/hello', 'C /usr', 'C /usr/bin', 'A /usr/bin/newtool', 'C /usr/share', 'D /usr/share/doc']
        .map((l) => `${l}\n`)
        .join(''),
    );
    const tar = await listTar(snap.layerTar('deb', { excludePaths: ['/etc/hostname'] }));
    expect(tar.map((e) => e.name)).toEqual([
      'etc/', 'etc/hostname-dir/', 'etc/passwd', 'root/', 'root/hello', 'usr/', 'usr/bin/', 'usr/bin/newtool', 'usr/share/', 'usr/share/.wh.doc',
    ]);

    const flat = join(base, 'flat');
    mkdirSync(flat);
    await unpackLayer(open(), flat, { whiteouts: 'apply' });
    await unpackLayer(snap.layerTar('deb', { excludePaths: ['/etc/hostname'] }), flat, { whiteouts: 'apply' });
    const skip = ['etc/hostname'];
    expect(describeTree(flat, { skip })).toEqual(describeTree(m, { skip }));
  }, 300_000);
});
