import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerStore, type ContainerRecord } from '../../src/container/container-store.js';
import type { VolumeMount } from '../../src/container/container-store.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { anonymousVolumeName, validateVolumeName } from '../../src/volume/names.js';
import { VolumeStore } from '../../src/volume/volume-store.js';

let root: string;
let db: Db;
let store: VolumeStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'drydock-volumes-'));
  db = openDatabase(join(root, 'drydock.db'));
  store = new VolumeStore(db, join(root, 'volumes'));
});
afterEach(() => {
  db.close();
  rmSync(root, { recursive: true, force: true });
});

describe('volume names', () => {
  it.each(['ab', 'data', 'my_vol.1', 'A-b', '0x', anonymousVolumeName()])('accepts %s', (name) => {
    expect(() => validateVolumeName(name)).not.toThrow();
  });
  it.each([
    ['a', 'create a: volume name is too short, names should be at least two alphanumeric characters'],
    ['a/b', 'create a/b: "a/b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['_ab', 'create _ab: "_ab" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['.x', 'create .x: ".x" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
    ['a b', 'create a b: "a b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
  ])("refuses %j with dockerd's text", (name, message) => {
    expect(() => store.ensure(name)).toThrow(expect.objectContaining({ code: 'invalid-argument', message }));
  });
  it('names anonymous volumes with 64 random hex digits', () => {
    const a = anonymousVolumeName();
    expect(a).toMatch(/^[a-f0-9]{64}$/);
    expect(anonymousVolumeName()).not.toBe(a);
  });
});

describe('VolumeStore', () => {
  it("keeps data in Docker's layout and returns an existing volume as it is", () => {
    const v = store.ensure('data', { labels: { team: 'a' } });
    expect(v).toMatchObject({ name: 'data', driver: 'local', labels: { team: 'a' }, anonymous: false });
    expect(store.dataPath('data')).toBe(join(root, 'volumes', 'data', '_data'));
    expect(existsSync(store.dataPath('data'))).toBe(true);
    writeFileSync(join(store.dataPath('data'), 'f'), 'kept');
    expect(store.ensure('data', { labels: { team: 'b' } })).toEqual(v);
    expect(readdirSync(store.dataPath('data'))).toEqual(['f']);
    expect(store.ensure(anonymousVolumeName(), { anonymous: true }).anonymous).toBe(true);
    expect(store.all().map((x) => x.name)).toContain('data');
  });

  it("refuses to remove a volume any container uses, with dockerd's text, and removes it once unused", () => {
    const containers = new ContainerStore(db);
    const a = container('a'.repeat(64), [{ name: 'data', destination: '/d', readonly: false, anonymous: false, mode: 'z', copy: true }]);
    const b = container('b'.repeat(64), [{ name: 'data', destination: '/e', readonly: true, anonymous: false, mode: 'ro', copy: true }]);
    store.using(a.hostConfig.volumeMounts, () => containers.insert(a));
    store.using(b.hostConfig.volumeMounts, () => containers.insert(b));
    expect(store.get('data')).toBeDefined();
    expect(store.users('data')).toEqual([a.id, b.id]);
    for (const force of [false, true]) {
      expect(() => store.remove('data', { force })).toThrow(
        expect.objectContaining({ code: 'conflict', message: `remove data: volume is in use - [${a.id} ${b.id}]` }),
      );
    }
    containers.delete(a.id);
    containers.delete(b.id);
    expect(store.remove('data')).toBe(true);
    expect(existsSync(join(root, 'volumes', 'data'))).toBe(false);
    expect(() => store.remove('data')).toThrow(expect.objectContaining({ code: 'not-found', message: 'get data: no such volume' }));
    expect(store.remove('data', { force: true })).toBe(false);
  });

  it('leaves no volume behind when the record that uses it cannot be written', () => {
    const containers = new ContainerStore(db);
    const first = container('a'.repeat(64), []);
    containers.insert(first);
    const clash = { ...container('b'.repeat(64), [{ name: 'fresh', destination: '/f', readonly: false, anonymous: false, mode: 'z', copy: true }]), name: first.name };
    expect(() => store.using(clash.hostConfig.volumeMounts, () => containers.insert(clash))).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(store.get('fresh')).toBeUndefined();
    expect(existsSync(join(root, 'volumes', 'fresh'))).toBe(false);
  });

  it('lets two processes create one name and remove their own at once without failing or losing a volume', async () => {
    db.close();
    const worker = resolve(import.meta.dirname, 'fixtures/volume-worker.ts');
    const results = await Promise.all(['p1', 'p2'].map((who) => run(resolve(import.meta.dirname, '../../../../node_modules/.bin/vite-node'), [worker, root, who, '150'])));
    for (const r of results) {
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
    }
    db = openDatabase(join(root, 'drydock.db'));
    store = new VolumeStore(db, join(root, 'volumes'));
    const expected = ['shared', ...['p1', 'p2'].flatMap((w) => Array.from({ length: 75 }, (_, i) => `${w}-${2 * i + 1}`))].sort();
    expect(store.all().map((v) => v.name).sort()).toEqual(expected);
    // Every record has its directory and nothing else is left (no half-removed directories).
    expect(readdirSync(join(root, 'volumes')).sort()).toEqual(expected);
    for (const name of expected) expect(existsSync(store.dataPath(name))).toBe(true);
  });
});

function container(id: string, volumeMounts: VolumeMount[]): ContainerRecord {
  return {
    id,
    name: `c-${id.slice(0, 6)}`,
    imageId: `sha256:${'0'.repeat(64)}`,
    imageName: 'img',
    createdMs: id.startsWith('a') ? 1 : 2,
    config: {} as ContainerRecord['config'],
    hostConfig: { binds: [], publish: [], networkMode: 'none', autoRemove: false, volumeMounts },
    network: {},
  };
}

function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => done({ status: status ?? -1, stdout, stderr }));
  });
}
