import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chainIds, hexOf } from '../../src/digest.js';
import { isDrydockError } from '../../src/errors.js';
import { formatChanges } from '../../src/snapshot/diff.js';
import { isMountPoint, mountsUnder, performMount, performUnmount } from '../../src/snapshot/mount.js';
import { Snapshotter, type LayerSource } from '../../src/snapshot/snapshotter.js';
import { unpackLayer } from '../../src/snapshot/unpack.js';
import { buildTar, describeTree, layer, listTar, MTIME } from './helpers.js';

const CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex');

const BASE = buildTar([
  { name: 'bin/' },
  { name: 'bin/sh', mode: 0o755, body: '#!sh v1\n' },
  { name: 'bin/sh-link', type: 'link', linkname: 'bin/sh' },
  { name: 'bin/ping', mode: 0o4755, body: 'ping', xattrs: [['security.capability', CAP]] },
  { name: 'dev/' },
  { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
  { name: 'etc/' },
  { name: 'etc/hosts', body: '127.0.0.1 localhost\n' },
  { name: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\n' },
  { name: 'etc/shadow', mode: 0o000, gid: 42, body: 'root:*:1::::::\n' },
  { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
  { name: 'opt/' },
  { name: 'opt/app/' },
  { name: 'opt/app/old.txt', body: 'old' },
  { name: 'opt/app/conf/' },
  { name: 'opt/app/conf/a', body: 'a' },
  { name: 'srv/' },
  { name: 'srv/dir/' },
  { name: 'srv/dir/x', body: 'x' },
  { name: 'usr/' },
  { name: 'usr/lib/' },
  { name: 'usr/lib/libx.so', body: 'ELF' },
  { name: 'var/' },
  { name: 'var/cache/' },
  { name: 'var/cache/apt/' },
  { name: 'var/cache/apt/pkg1', body: '1' },
  { name: 'var/cache/apt/sub/' },
  { name: 'var/cache/apt/sub/deep', body: 'deep' },
]);

const SECOND = buildTar([
  { name: 'etc/' },
  { name: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n', mtime: 1_700_000_500 },
  { name: 'opt/' },
  { name: 'opt/app/' },
  { name: 'opt/app/.wh.old.txt' },
  { name: 'srv/' },
  { name: 'srv/dir/' },
  { name: 'srv/dir/.wh..wh..opq' },
  { name: 'srv/dir/y', body: 'y' },
  { name: 'tmp/', mode: 0o1777 },
]);

function chainOf(...tars: Buffer[]): LayerSource[] {
  const layers = tars.map(layer);
  const ids = chainIds(layers.map((l) => l.diffId));
  return layers.map((l, i) => ({ ...l, chainId: ids[i]! }));
}

/** The lower stack as a flat directory, by applying each layer tar in order. */
async function flat(dir: string, ...tars: (Buffer | Readable)[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const t of tars) await unpackLayer(Buffer.isBuffer(t) ? Readable.from([t]) : t, dir, { whiteouts: 'apply' });
  return dir;
}

let base: string;
let snap: Snapshotter;
const chain = chainOf(BASE, SECOND);
const top = chain[1]!.chainId;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'drydock-snap-'));
  snap = new Snapshotter(base);
  await Promise.all([snap.prepareLayers(chain), snap.prepareLayers(chain), new Snapshotter(base).prepareLayers(chain)]);
});
afterEach(() => {
  for (const info of snap.list()) snap.remove(info.key);
});
afterAll(() => {
  for (const target of mountsUnder(base)) performUnmount(target, { lazy: true });
  rmSync(base, { recursive: true, force: true });
});

describe('Snapshotter layers', () => {
  it('unpacks each layer once, atomically, keyed by chain ID', () => {
    const names = readdirSync(join(base, 'snapshots/layers'));
    expect(names.sort()).toEqual(chain.map((l) => hexOf(l.chainId)).sort()); // no temp dirs left
    const meta = JSON.parse(readFileSync(join(base, 'snapshots/layers', hexOf(top), 'layer.json'), 'utf8'));
    expect(meta).toMatchObject({ parent: chain[0]!.chainId, diffId: chain[1]!.diffId, opaque: ['srv/dir'] });
    expect(snap.lowers(top).map((l) => l.dir)).toEqual([...chain].reverse().map((l) => join(base, 'snapshots/layers', hexOf(l.chainId), 'fs')));
  });

  it('rejects chain IDs that do not follow from the diff IDs', async () => {
    const bad = [{ ...chain[1]!, chainId: chain[1]!.diffId }];
    const err = await snap.prepareLayers([chain[0]!, ...bad]).catch((e: unknown) => e);
    expect(isDrydockError(err, 'invalid-argument')).toBe(true);
  });

  it('the overlay of the layer dirs shows what applying the tars shows', async () => {
    const plan = await snap.prepare('view', top);
    snap.mount(plan);
    expect(describeTree(plan.target)).toEqual(describeTree(await flat(join(base, 'flat-view'), BASE, SECOND)));
  });
});

describe('Snapshotter containers', () => {
  it('plans, mounts, diffs and exports an overlay snapshot', async () => {
    const plan = await snap.prepare('c1', top);
    expect(plan.driver).toBe('overlay');
    expect(plan.mounts[0]!.options[0]).toBe(`lowerdir=${plan.lowers.map((l) => l.dir.slice(snap.dir.length + 1)).join(':')}`);
    snap.mount(plan);
    expect(isMountPoint(plan.target)).toBe(true);
    const m = plan.target;
    writeFileSync(join(m, 'etc/newfile'), 'new\n'); // add
    writeFileSync(join(m, 'bin/sh'), '#!sh v2\n'); // modify (a file with a hard link below)
    rmSync(join(m, 'usr/lib/libx.so')); // delete a file
    rmSync(join(m, 'var/cache/apt'), { recursive: true }); // delete a directory
    rmSync(join(m, 'opt/app'), { recursive: true }); // replace a directory
    mkdirSync(join(m, 'opt/app'));
    writeFileSync(join(m, 'opt/app/fresh'), 'fresh');
    chmodSync(join(m, 'srv'), 0o700); // change a directory's mode only
    mkdirSync(join(m, 'data/sub'), { recursive: true }); // add a tree
    writeFileSync(join(m, 'data/sub/file'), 'd');
    writeFileSync(join(m, 'etc/hosts'), '10.0.0.2 c1\n'); // a bind-mount point: excluded
    const exclude = { excludePaths: ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'] };

    expect(formatChanges(snap.changes('c1', exclude))).toBe(
      [
        'C /bin', 'C /bin/sh',
        'A /data', 'A /data/sub', 'A /data/sub/file',
        'C /etc', 'A /etc/newfile',
        'C /opt', 'C /opt/app', 'A /opt/app/fresh',
        'C /srv',
        'C /usr', 'C /usr/lib', 'D /usr/lib/libx.so',
        'C /var', 'C /var/cache', 'D /var/cache/apt',
      ].map((l) => `${l}\n`).join(''),
    );
    expect(snap.changes('c1').map((c) => `${c.kind} ${c.path}`)).toContain('C /etc/hosts');

    const entries = await listTar(snap.layerTar('c1', exclude));
    expect(entries.map((e) => e.name)).toEqual([
      'bin/', 'bin/sh',
      'data/', 'data/sub/', 'data/sub/file',
      'etc/', 'etc/newfile',
      'opt/', 'opt/app/', 'opt/app/.wh..wh..opq', 'opt/app/fresh',
      'srv/',
      'usr/', 'usr/lib/', 'usr/lib/.wh.libx.so',
      'var/', 'var/cache/', 'var/cache/.wh.apt',
    ]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('usr/lib/.wh.libx.so')).toMatchObject({ type: 'file', size: 0, mode: 0o600 });
    expect(byName.get('bin/sh')).toMatchObject({ type: 'file', body: '#!sh v2\n', mode: 0o755 });
    expect(byName.get('srv/')!.mode).toBe(0o700);

    // Re-apply the layer on the flat lower stack: the result is what the container sees.
    const committed = await flat(join(base, 'flat-c1'), BASE, SECOND, snap.layerTar('c1', exclude));
    const skip = ['etc/hosts'];
    expect(describeTree(committed, { skip })).toEqual(describeTree(m, { skip }));
    // And a stable second export.
    const again = await listTar(snap.layerTar('c1', exclude));
    expect(again).toEqual(entries);
  });

  it('commits an upper dir as a layer dir identical to unpacking its tar', async () => {
    const plan = await snap.prepare('step', top);
    snap.mount(plan);
    const m = plan.target;
    writeFileSync(join(m, 'etc/added'), 'added\n');
    rmSync(join(m, 'usr/lib/libx.so'));
    rmSync(join(m, 'opt/app'), { recursive: true });
    mkdirSync(join(m, 'opt/app'));
    writeFileSync(join(m, 'opt/app/fresh'), 'fresh');
    writeFileSync(join(m, 'stub'), ''); // a mount point the tar leaves out
    snap.unmount(m);
    const exclude = ['/stub'];
    const tar = Buffer.concat(await (async () => { const out: Buffer[] = []; for await (const c of snap.layerTar('step', { excludePaths: exclude })) out.push(c as Buffer); return out; })());
    const next = layer(tar);
    const chainId = chainIds([...chain.map((l) => l.diffId), next.diffId])[2]!;
    snap.commitUpper('step', { chainId, diffId: next.diffId, parent: top }, exclude);
    expect(snap.list().map((i) => i.key)).not.toContain('step');
    expect(snap.hasLayer(chainId)).toBe(true);

    const unpacked = join(base, 'unpacked-step');
    mkdirSync(unpacked);
    const result = await unpackLayer(Readable.from([tar]), unpacked, { whiteouts: 'overlay' });
    const adopted = join(snap.dir, 'layers', hexOf(chainId), 'fs');
    // Whiteouts are alike but for their times: the unpacker links them to one node it makes itself.
    const timeless = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, v.startsWith('chr:0 ') ? v.replace(/ t=\d+/, '') : v]));
    expect(timeless(describeTree(adopted))).toEqual(timeless(describeTree(unpacked)));
    expect(snap.lowers(chainId)[0]!.opaque).toEqual(new Set(result.opaqueDirs));
    expect(result.opaqueDirs).toEqual(['opt/app']);

    // A snapshot on the committed chain shows what applying the three tars shows.
    const view = await snap.prepare('on-step', chainId);
    snap.mount(view);
    expect(describeTree(view.target)).toEqual(describeTree(await flat(join(base, 'flat-step'), BASE, SECOND, tar)));
    snap.remove('on-step');
  });

  it('is a bind mount of the upper dir without a parent', async () => {
    const plan = await snap.prepare('scratch', null);
    expect(plan.mounts).toEqual([{ type: 'bind', source: plan.upper, options: ['rbind', 'rw'] }]);
    snap.mount(plan);
    writeFileSync(join(plan.target, 'hello'), 'hi');
    expect(formatChanges(snap.changes('scratch'))).toBe('A /hello\n');
  });

  it('refuses a second snapshot with the same key and bad keys', async () => {
    await snap.prepare('dup', top);
    const dup = await snap.prepare('dup', top).catch((e: unknown) => e);
    expect(isDrydockError(dup, 'conflict')).toBe(true);
    const bad = await snap.prepare('../x', top).catch((e: unknown) => e);
    expect(isDrydockError(bad, 'invalid-argument')).toBe(true);
    const missing = await snap.prepare('m', chain[0]!.diffId.replace(/.$/, '0') as never).catch((e: unknown) => e);
    expect(isDrydockError(missing, 'not-found')).toBe(true);
  });

  it('removes snapshots, unmounting them first', async () => {
    const plan = await snap.prepare('gone', top);
    const elsewhere = join(base, 'elsewhere');
    snap.mount(plan);
    snap.mount(plan, elsewhere);
    snap.remove('gone');
    expect(isMountPoint(plan.target) || isMountPoint(elsewhere)).toBe(false);
    expect(existsSync(join(snap.dir, 'active/gone'))).toBe(false);
    expect(isDrydockError((() => { try { snap.remove('gone'); } catch (e) { return e; } })(), 'not-found')).toBe(true);
  });

  it('cleans up the snapshots of a process killed with -9', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const plan = await snap.prepare('orphan', top, { ownerPid: child.pid! });
    snap.mount(plan);
    await snap.prepare('claimed', top, { ownerPid: child.pid! });
    await snap.prepare('mine', top);
    mkdirSync(join(snap.dir, 'layers/.tmp-999999-1-abcdef/fs'), { recursive: true });
    // An overlay probe interrupted between mount and unmount.
    const probe = join(snap.dir, 'active/.tmp-999999-1-0a0b0c');
    for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(probe, d), { recursive: true });
    performMount({ type: 'overlay', source: 'overlay', options: ['lowerdir=lower', 'upperdir=upper', 'workdir=work'], cwd: probe }, join(probe, 'merged'));
    const keep = (key: string) => key === 'claimed';
    expect(snap.cleanupStale({ keep })).toEqual([]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(snap.cleanupStale({ keep })).toEqual(['orphan']);
    expect(isMountPoint(plan.target)).toBe(false);
    expect(isMountPoint(join(probe, 'merged'))).toBe(false);
    expect(snap.list().map((i) => i.key).sort()).toEqual(['claimed', 'mine']);
    expect(readdirSync(join(snap.dir, 'layers')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(readdirSync(join(snap.dir, 'active')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(snap.cleanupStale()).toEqual(['claimed']);
  });
});

describe('Snapshotter copy fallback', () => {
  it('merges the lower layers into one directory when overlayfs is not used', async () => {
    const copy = new Snapshotter(base, { driver: 'copy' });
    const plan = await copy.prepare('flat', top);
    expect(plan.driver).toBe('copy');
    expect(plan.mounts).toEqual([{ type: 'bind', source: join(copy.dir, 'active/flat/fs'), options: ['rbind', 'rw'] }]);
    copy.mount(plan);
    expect(describeTree(plan.target)).toEqual(describeTree(await flat(join(base, 'flat-copy'), BASE, SECOND)));
    copy.remove('flat');
  });

  it('diffs and commits a copy against the layers, with the lines the overlay driver prints', async () => {
    const change = (m: string) => {
      writeFileSync(join(m, 'etc/newfile'), 'new\n');
      writeFileSync(join(m, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n'); // (a copy keeps hard links: bin/sh would change bin/sh-link too)
      rmSync(join(m, 'usr/lib/libx.so'));
      rmSync(join(m, 'var/cache/apt'), { recursive: true });
      chmodSync(join(m, 'srv'), 0o700);
      mkdirSync(join(m, 'data/sub'), { recursive: true });
      writeFileSync(join(m, 'data/sub/file'), 'd');
      rmSync(join(m, 'lib'));
      mkdirSync(join(m, 'lib'));
      writeFileSync(join(m, 'etc/hosts'), '10.0.0.2 c1\n');
    };
    const exclude = { excludePaths: ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'] };
    const overlay = await snap.prepare('ov', top);
    snap.mount(overlay);
    change(overlay.target);
    const copy = new Snapshotter(base, { driver: 'copy' });
    const plan = await copy.prepare('cp', top);
    change(plan.upper);
    expect(formatChanges(copy.changes('cp', exclude))).toBe(formatChanges(snap.changes('ov', exclude)));
    expect(formatChanges(copy.changes('cp', exclude))).toContain('D /var/cache/apt\n');

    // The layer, applied on the layers, gives the copy back.
    const committed = await flat(join(base, 'flat-cp'), BASE, SECOND, copy.layerTar('cp', exclude));
    const skip = ['etc/hosts'];
    expect(describeTree(committed, { skip })).toEqual(describeTree(plan.upper, { skip }));
    expect((await listTar(copy.layerTar('cp', exclude))).find((e) => e.name === 'var/cache/.wh.apt')).toMatchObject({ type: 'file', size: 0, mode: 0o600 });
  });

  it('tells a change in the same second by content when the times cannot', async () => {
    const copy = new Snapshotter(base, { driver: 'copy' });
    const plan = await copy.prepare('second', top);
    // Both files keep their size and second; the layers' times have no fraction, so only content tells.
    writeFileSync(join(plan.upper, 'opt/app/conf/a'), 'b');
    utimesSync(join(plan.upper, 'opt/app/conf/a'), MTIME + 0.5, MTIME + 0.5);
    utimesSync(join(plan.upper, 'srv/dir/y'), MTIME + 0.5, MTIME + 0.5);
    expect(formatChanges(copy.changes('second'))).toBe('C /opt\nC /opt/app\nC /opt/app/conf\nC /opt/app/conf/a\n');
    utimesSync(join(plan.upper, 'srv/dir/y'), MTIME + 1, MTIME + 1);
    expect(formatChanges(copy.changes('second'))).toContain('C /srv/dir/y\n');
  });

  it('falls back to copying when the lowerdir option would not fit in a page', async () => {
    const many = chainOf(...Array.from({ length: 60 }, (_, i) => buildTar([{ name: `l${i}`, body: String(i) }, ...(i > 0 ? [{ name: `.wh.l${i - 1}` }] : [])])));
    await snap.prepareLayers(many);
    const plan = await snap.prepare('deep', many[59]!.chainId);
    expect(plan.driver).toBe('copy');
    expect(readdirSync(plan.upper)).toEqual(['l59']);
  });
});
