import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upperToLayerTar } from '../../src/snapshot/diff.js';
import { unpackLayer } from '../../src/snapshot/unpack.js';
import { mknod, writeXattrs } from '../../src/snapshot/xattr.js';
import { describeTree, listTar } from './helpers.js';

const CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex');
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x3d, 0x0a, 0x20]);
const LONG = `${'long-directory-name-'.repeat(6)}/${'ünïcødé-'.repeat(12)}file.txt`;

let base: string;
let tree: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'drydock-tarcompat-'));
  tree = join(base, 'tree');
  mkdirSync(join(tree, LONG, '..'), { recursive: true });
  writeFileSync(join(tree, LONG), 'deep\n');
  mkdirSync(join(tree, 'bin'));
  writeFileSync(join(tree, 'bin/ping'), 'ping\n', { mode: 0o4755 });
  linkSync(join(tree, 'bin/ping'), join(tree, 'bin/ping6'));
  symlinkSync(`/${'t'.repeat(150)}`, join(tree, 'bin/longlink'));
  writeFileSync(join(tree, 'bin/zero-mode'), 'z', { mode: 0o000 });
  mknod(join(tree, 'bin/fifo'), 'p', 0o644);
  writeXattrs([{ path: join(tree, 'bin/ping'), attrs: [['security.capability', CAP], ['user.bin', BINARY]] }]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('tar compatibility with GNU tar', () => {
  it('GNU tar extracts what upperToLayerTar writes (long names, hard links, xattrs, mode 0)', async () => {
    const file = join(base, 'ours.tar');
    await pipeline(upperToLayerTar(tree, []), createWriteStream(file));
    const listing = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toContain(LONG);
    const out = join(base, 'gnu-out');
    mkdirSync(out);
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--same-permissions', '--numeric-owner', '-xf', file, '-C', out]);
    expect(describeTree(out)).toEqual(describeTree(tree));
    const entries = await listTar(createReadStream(file));
    expect(entries.find((e) => e.name === 'bin/ping6')).toMatchObject({ type: 'link', linkname: 'bin/ping' });
  });

  it('unpackLayer takes exact xattr bytes from what GNU tar writes', async () => {
    const file = join(base, 'gnu.tar');
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--format=posix', '--numeric-owner', '-cf', file, '-C', tree, '.']);
    const out = join(base, 'ours-out');
    mkdirSync(out);
    const r = await unpackLayer(createReadStream(file), out, { whiteouts: 'apply' });
    expect(r.xattrFiles).toBeGreaterThan(0);
    expect(describeTree(out)).toEqual(describeTree(tree));
  });
});
