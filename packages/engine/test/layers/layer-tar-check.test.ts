import { describe, expect, it } from 'vitest';
import { LayerTarCheck, confinedPath } from '../../src/layers/tar-inspector.js';
import { tarOf, type TarEntry } from '../helpers/fixtures.js';

/** confinedPath as first written: split, drop empty and `.` components, refuse `..`. */
function reference(raw: string): string | 'refused' {
  if (raw.startsWith('/')) return 'refused';
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  return parts.includes('..') ? 'refused' : parts.join('/');
}

async function check(entries: TarEntry[]): Promise<string> {
  const c = new LayerTarCheck();
  try {
    c.write(await tarOf(entries));
    c.end();
    return `ok ${c.summary.entries}`;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('confinedPath', () => {
  it('cleans and refuses every name of up to 7 characters over a, ., / exactly as the split-and-filter rule', () => {
    const alphabet = ['a', '.', '/'];
    let names = [''];
    let compared = 0;
    for (let len = 0; len <= 7; len++) {
      for (const name of names) {
        let got: string;
        try {
          got = confinedPath(name, () => new Error('refused'));
        } catch {
          got = 'refused';
        }
        expect(got, JSON.stringify(name)).toBe(reference(name));
        compared++;
      }
      names = names.flatMap((n) => alphabet.map((c) => n + c));
    }
    expect(compared).toBe((3 ** 8 - 1) / 2);
  });
});

describe('LayerTarCheck', () => {
  it('refuses an entry beneath a symlink, also when the symlink comes between entries of one directory', async () => {
    expect(await check([{ name: 'a/', type: 'directory' }, { name: 'a/x', content: '1' }, { name: 'a/y', content: '2' }])).toBe('ok 3');
    expect(await check([{ name: 'd/', type: 'directory' }, { name: 'd/x', content: '1' }, { name: 'd/link', type: 'symlink', linkname: '/etc' }, { name: 'd/link/cron', content: 'x' }])).toMatch(
      /"d\/link\/cron" lies beneath a symlink/,
    );
    // The symlink is the directory the previous entries were in.
    expect(await check([{ name: 'd/x', content: '1' }, { name: 'd', type: 'symlink', linkname: '/etc' }, { name: 'd/y', content: '2' }])).toMatch(/"d\/y" lies beneath a symlink/);
    expect(await check([{ name: 'top', type: 'symlink', linkname: '/' }, { name: 'top/a/b/c', content: 'x' }])).toMatch(/beneath a symlink/);
  });

  it('refuses escaping names and hard links, and an archive without entries', async () => {
    expect(await check([{ name: 'ok', content: '' }, { name: './a/../../x', content: '' }])).toMatch(/path escapes the root/);
    expect(await check([{ name: 'h', type: 'link', linkname: '../../etc/shadow' }])).toMatch(/hard link escapes the root/);
    const empty = new LayerTarCheck();
    empty.write(Buffer.alloc(1024));
    expect(() => empty.end()).toThrow(/it holds no files/);
  });
});
