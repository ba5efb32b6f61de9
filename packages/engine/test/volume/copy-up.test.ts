import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyUp } from '../../src/volume/copy-up.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'drydock-copy-up-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('copyUp', () => {
  it("copies the image's directory with modes, owners, links and extended attributes", () => {
    const src = join(dir, 'src');
    const vol = join(dir, 'vol');
    mkdirSync(join(src, 'sub'), { recursive: true });
    mkdirSync(vol);
    writeFileSync(join(src, 'a'), 'hello');
    chmodSync(join(src, 'a'), 0o640);
    chownSync(join(src, 'a'), 1000, 1001);
    linkSync(join(src, 'a'), join(src, 'hard'));
    symlinkSync('a', join(src, 'link'));
    chmodSync(join(src, 'sub'), 0o1777);
    chownSync(src, 7, 8);
    chmodSync(src, 0o750);
    execFileSync('setfattr', ['-n', 'trusted.drydock', '-v', 'kept', join(src, 'a')]);

    expect(copyUp(src, vol)).toBe(true);
    expect(readdirSync(vol).sort()).toEqual(['a', 'hard', 'link', 'sub']);
    const a = lstatSync(join(vol, 'a'));
    expect([a.mode & 0o7777, a.uid, a.gid, a.nlink]).toEqual([0o640, 1000, 1001, 2]);
    expect(lstatSync(join(vol, 'hard')).ino).toBe(a.ino);
    expect(readlinkSync(join(vol, 'link'))).toBe('a');
    expect(lstatSync(join(vol, 'sub')).mode & 0o7777).toBe(0o1777);
    // The volume's root takes the directory's own mode and owner, as dockerd's copyOwnership.
    const root = lstatSync(vol);
    expect([root.mode & 0o7777, root.uid, root.gid]).toEqual([0o750, 7, 8]);
    expect(execFileSync('getfattr', ['--only-values', '-n', 'trusted.drydock', join(vol, 'a')], { encoding: 'utf8' })).toBe('kept');
  });

  it('never replaces what a volume holds', () => {
    const src = join(dir, 'src');
    const vol = join(dir, 'vol');
    mkdirSync(src);
    mkdirSync(vol);
    writeFileSync(join(src, 'a'), 'image');
    writeFileSync(join(vol, 'b'), 'volume');
    expect(copyUp(src, vol)).toBe(false);
    expect(readdirSync(vol)).toEqual(['b']);
    expect(readFileSync(join(vol, 'b'), 'utf8')).toBe('volume');
  });
});
