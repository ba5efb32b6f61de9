import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/digest.js';
import { isDrydockError } from '../../src/errors.js';
import { unpackLayer } from '../../src/snapshot/unpack.js';
import { readXattrTree } from '../../src/snapshot/xattr.js';
import { buildTar, MTIME } from './helpers.js';

const CAP_NET_RAW = Buffer.from('0100000200200000000000000000000000000000', 'hex');
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x3d, 0x0a]);

let base: string;
let root: string;
let outside: string;
let sentinel: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'drydock-unpack-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

beforeEach(() => {
  const dir = mkdtempSync(join(base, 'case-'));
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  sentinel = join(outside, 'sentinel');
  writeFileSync(sentinel, 'untouched\n');
});

const unpack = (buf: Buffer, whiteouts: 'apply' | 'overlay' = 'apply') => unpackLayer(Readable.from([buf]), root, { whiteouts });

function outsideUnchanged(): void {
  expect(readFileSync(sentinel, 'utf8')).toBe('untouched\n');
  expect(readdirSync(outside)).toEqual(['sentinel']);
}

describe('unpackLayer', () => {
  it('preserves modes, owners, times, links, devices, fifos and xattrs', async () => {
    const r = await unpack(
      buildTar([
        { name: 'etc/', mode: 0o755, mtime: MTIME - 100 },
        { name: 'etc/shadow', mode: 0o000, uid: 0, gid: 42, body: 'secret\n' },
        { name: 'bin/', mode: 0o755 },
        { name: 'bin/ping', mode: 0o4755, uid: 1000, gid: 1001, body: '#!ping\n', xattrs: [['security.capability', CAP_NET_RAW], ['user.bin', BINARY]] },
        { name: 'bin/ping-link', type: 'link', linkname: 'bin/ping' },
        { name: 'bin/sh', type: 'symlink', linkname: '/bin/dash', uid: 5, gid: 6 },
        { name: 'tmp/', mode: 0o1777 },
        { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
        { name: 'dev/loop0', type: 'block-device', mode: 0o660, devmajor: 7, devminor: 0, gid: 6 },
        { name: 'run/fifo', type: 'fifo', mode: 0o600 },
        { name: `deep/${'d'.repeat(120)}/${'é'.repeat(40)}.txt`, body: 'long name' },
      ]),
    );
    expect(r.entries).toBe(11);
    const st = (p: string) => lstatSync(join(root, p));
    expect(st('etc/shadow').mode & 0o7777).toBe(0);
    expect(st('etc/shadow').gid).toBe(42);
    expect(st('bin/ping').mode & 0o7777).toBe(0o4755);
    expect([st('bin/ping').uid, st('bin/ping').gid]).toEqual([1000, 1001]);
    expect(st('bin/ping').mtimeMs).toBe(MTIME * 1000);
    expect(st('bin/ping-link').ino).toBe(st('bin/ping').ino);
    expect(readlinkSync(join(root, 'bin/sh'))).toBe('/bin/dash');
    expect([st('bin/sh').uid, st('bin/sh').gid]).toEqual([5, 6]);
    expect(st('tmp').mode & 0o7777).toBe(0o1777);
    expect(st('dev/null').isCharacterDevice() && st('dev/null').rdev).toBe(0x103);
    expect(st('dev/loop0').isBlockDevice()).toBe(true);
    expect(st('run/fifo').isFIFO()).toBe(true);
    expect(st('etc').mtimeMs).toBe((MTIME - 100) * 1000); // set after its content was written
    expect(readFileSync(join(root, 'deep', 'd'.repeat(120), `${'é'.repeat(40)}.txt`), 'utf8')).toBe('long name');
    const attrs = readXattrTree(root).get('bin/ping');
    expect(attrs?.get('security.capability')).toEqual(CAP_NET_RAW);
    expect(attrs?.get('user.bin')).toEqual(BINARY);
  });

  it('applies whiteouts and opaque markers onto lower content', async () => {
    await unpack(buildTar([{ name: 'a/' }, { name: 'a/gone' }, { name: 'a/kept' }, { name: 'd/' }, { name: 'd/x/' }, { name: 'd/x/y' }, { name: 'o/' }, { name: 'o/old' }, { name: 'o/sub/' }, { name: 'o/sub/old' }]));
    await unpack(
      buildTar([
        { name: 'a/.wh.gone' },
        { name: '.wh.d' },
        { name: 'o/' },
        { name: 'o/new', body: 'n' },
        { name: 'o/sub/' },
        { name: 'o/.wh..wh..opq' },
        { name: 'o/sub/new2' },
        { name: '.wh.never-existed' },
      ]),
    );
    expect(readdirSync(join(root, 'a'))).toEqual(['kept']);
    expect(existsSync(join(root, 'd'))).toBe(false);
    expect(readdirSync(join(root, 'o')).sort()).toEqual(['new', 'sub']);
    expect(readdirSync(join(root, 'o/sub'))).toEqual(['new2']);
  });

  it('converts whiteouts to overlayfs form for a lower dir', async () => {
    const r = await unpack(buildTar([{ name: 'a/' }, { name: 'a/.wh.gone' }, { name: 'a/.wh.also' }, { name: 'o/' }, { name: 'o/.wh..wh..opq' }, { name: 'o/f' }]), 'overlay');
    const gone = lstatSync(join(root, 'a/gone'));
    expect(gone.isCharacterDevice() && gone.rdev).toBe(0);
    expect(lstatSync(join(root, 'a/also')).ino).toBe(gone.ino); // whiteouts share one inode
    expect(readdirSync(root).sort()).toEqual(['a', 'o']); // no template left behind
    expect(r.opaqueDirs).toEqual(['o']);
    expect(readXattrTree(root, 'trusted.overlay.opaque').get('o')?.get('trusted.overlay.opaque')?.toString()).toBe('y');
  });

  it('replaces files with directories and back, keeps existing directories', async () => {
    await unpack(buildTar([{ name: 'x', body: 'file' }, { name: 'y/' }, { name: 'y/inner', body: 'i' }, { name: 'z/' }, { name: 'z/keep' }]));
    await unpack(buildTar([{ name: 'x/' }, { name: 'x/f' }, { name: 'y', body: 'now a file' }, { name: 'z/', mode: 0o700 }]));
    expect(statSync(join(root, 'x')).isDirectory()).toBe(true);
    expect(readFileSync(join(root, 'y'), 'utf8')).toBe('now a file');
    expect(readdirSync(join(root, 'z'))).toEqual(['keep']);
    expect(statSync(join(root, 'z')).mode & 0o777).toBe(0o700);
  });

  it('takes owners beyond ustar range from PAX records', async () => {
    await unpack(buildTar([{ name: 'f', uid: 100_000_000, gid: 100_000_001, body: 'x' }]));
    const st = lstatSync(join(root, 'f'));
    expect([st.uid, st.gid]).toEqual([100_000_000, 100_000_001]);
  });

  it('checks the diff ID', async () => {
    const buf = buildTar([{ name: 'f', body: 'x' }]);
    await expect(unpackLayer(Readable.from([buf]), root, { whiteouts: 'apply', expectedDiffId: sha256(buf) })).resolves.toBeTruthy();
    const err = await unpackLayer(Readable.from([buf]), root, { whiteouts: 'apply', expectedDiffId: sha256('other') }).catch((e: unknown) => e);
    expect(isDrydockError(err, 'digest-mismatch')).toBe(true);
  });

  it('rejects truncated archives', async () => {
    const buf = buildTar([{ name: 'f', body: 'x'.repeat(5000) }]);
    const err = await unpack(buf.subarray(0, 2048)).catch((e: unknown) => e);
    expect(isDrydockError(err, 'invalid-archive')).toBe(true);
  });
});

describe('unpackLayer on hostile layers', () => {
  const rejects = async (buf: Buffer) => {
    const err = await unpack(buf).catch((e: unknown) => e);
    expect(isDrydockError(err, 'invalid-archive')).toBe(true);
    outsideUnchanged();
  };

  it('rejects ../ and absolute paths and hard links out of the root', async () => {
    await rejects(buildTar([{ name: '../outside/sentinel', body: 'pwned' }]));
    await rejects(buildTar([{ name: 'a/../../outside/sentinel', body: 'pwned' }]));
    await rejects(buildTar([{ name: `${sentinel}`, body: 'pwned' }]));
    await rejects(buildTar([{ name: 'h', type: 'link', linkname: '../outside/sentinel' }]));
    await rejects(buildTar([{ name: '.wh...' }]));
  });

  it('resolves a symlink to /etc inside the root: x -> /etc, then x/passwd', async () => {
    const hostPasswd = createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex');
    const hostMtime = statSync('/etc/passwd').mtimeMs;
    await unpack(buildTar([{ name: 'x', type: 'symlink', linkname: '/etc' }, { name: 'x/passwd', body: 'pwned::0:0::/:/bin/sh\n' }]));
    expect(createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex')).toBe(hostPasswd);
    expect(statSync('/etc/passwd').mtimeMs).toBe(hostMtime);
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toBe('pwned::0:0::/:/bin/sh\n');
    expect(readlinkSync(join(root, 'x'))).toBe('/etc');
  });

  it('confines absolute, relative and looping symlinks to the root', async () => {
    const outsideMtime = statSync(outside).mtimeMs;
    await unpack(
      buildTar([
        { name: 'abs', type: 'symlink', linkname: outside },
        { name: 'abs/sentinel', body: 'pwned' },
        { name: 'rel', type: 'symlink', linkname: '../../../../../../../../..' + outside },
        { name: 'rel/sentinel2', body: 'pwned' },
        { name: 'up', type: 'symlink', linkname: '..' },
        { name: 'up/up/up/escape', body: 'pwned' },
        { name: 'abs/.wh.sentinel' },
        { name: 'hl', type: 'link', linkname: 'abs/sentinel2' },
      ]),
    );
    outsideUnchanged();
    expect(statSync(outside).mtimeMs).toBe(outsideMtime);
    expect(existsSync(join(root, outside, 'sentinel'))).toBe(false); // whited out inside the root
    expect(readFileSync(join(root, outside, 'sentinel2'), 'utf8')).toBe('pwned');
    expect(readFileSync(join(root, 'escape'), 'utf8')).toBe('pwned');
    expect(readFileSync(join(root, 'hl'), 'utf8')).toBe('pwned');
    await rejects(buildTar([{ name: 'loop', type: 'symlink', linkname: 'loop' }, { name: 'loop/f' }]));
  });

  it('does not let deferred metadata follow a path replaced by a symlink', async () => {
    const before = statSync(outside).mtimeMs;
    await unpack(
      buildTar([
        { name: 'd/', mtime: 1000 },
        { name: 'f', body: 'x', xattrs: [['user.evil', Buffer.from('1')]] },
        { name: 'd', type: 'symlink', linkname: outside },
        { name: 'f', type: 'symlink', linkname: sentinel },
      ]),
    );
    outsideUnchanged();
    expect(statSync(outside).mtimeMs).toBe(before);
    expect(readXattrTree(outside).size).toBe(0);
  });

  it('refuses to place an entry beneath a file', async () => {
    await rejects(buildTar([{ name: 'f', body: 'x' }, { name: 'f/g', body: 'y' }]));
  });
});
