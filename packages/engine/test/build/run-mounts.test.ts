import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDirLock } from '../../src/store/dir-lock.js';
import { parseRunFlags } from '../../src/build/run-mounts.js';
import { isDrydockError } from '../../src/errors.js';

const expand = (w: string) => w.replace(/\$(\w+)/g, (_m, n: string) => ({ DIR: 'cache-dir' })[n] ?? '');
const parse = (flags: string[], workdir = '/') => parseRunFlags(flags, expand, workdir);
const failure = (flags: string[]) => {
  try {
    parse(flags);
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
};

describe('RUN flags', () => {
  it('reads each mount type with BuildKit defaults', () => {
    expect(parse(['--mount=type=cache,target=/root/.cache']).mounts).toEqual([{ type: 'cache', target: '/root/.cache', id: '/root/.cache', sharing: 'shared', readonly: false, mode: 0o755, uid: 0, gid: 0 }]);
    expect(parse(['--mount=target=/src']).mounts).toEqual([{ type: 'bind', target: '/src', source: '/', readonly: true }]);
    expect(parse(['--mount=type=bind,from=build,src=/out,dst=/in,rw']).mounts).toEqual([{ type: 'bind', target: '/in', source: '/out', from: 'build', readonly: false }]);
    expect(parse(['--mount=type=tmpfs,target=/t,size=64m']).mounts).toEqual([{ type: 'tmpfs', target: '/t', size: 64 << 20 }]);
    expect(parse(['--mount=type=secret,id=npmrc']).mounts).toEqual([{ type: 'secret', target: '/run/secrets/npmrc', id: 'npmrc', required: false, mode: 0o400, uid: 0, gid: 0 }]);
    expect(parse(['--mount=type=secret,target=/etc/key,required,mode=0440,uid=1000']).mounts[0]).toMatchObject({ id: 'key', required: true, mode: 0o440, uid: 1000 });
  });

  it('joins relative targets to the working directory, expands variables and honours csv quotes', () => {
    expect(parse(['--mount=type=cache,target=$DIR,sharing=locked'], '/app').mounts[0]).toMatchObject({ target: '/app/cache-dir', id: '/app/cache-dir', sharing: 'locked' });
    expect(parse(['--mount=type=bind,"source=a,b",target=/x']).mounts[0]).toMatchObject({ source: 'a,b' });
    expect(parse(['--network=none', '--mount=type=tmpfs,target=/t']).network).toBe('none');
  });

  it.each([
    [['--mount=type=cache'], 'invalid-argument', /target is required/],
    [['--mount=type=volume,target=/v'], 'invalid-argument', /unsupported mount type "volume"/],
    [['--mount=type=ssh'], 'unsupported', /type=ssh is not supported/],
    [['--mount=type=cache,target=/a,colour=red'], 'invalid-argument', /unexpected key 'colour'/],
    [['--mount=type=cache,target=/a,sharing=sometimes'], 'invalid-argument', /unsupported sharing value/],
    [['--mount=type=tmpfs,target=/a', '--mount=type=cache,target=/a'], 'invalid-argument', /target \/a is used more than once/],
    [['--mount=type=cache,target=/a,mode=rwx'], 'invalid-argument', /invalid value for mode/],
    [['--security=insecure'], 'unsupported', /RUN --security=insecure is not supported/],
  ])('refuses %j', (flags, code, message) => {
    const err = failure(flags);
    expect(isDrydockError(err, code as never)).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

describe('directory locks (cache mounts with sharing=locked|private)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is held by one at a time; a waiter gets it when released', async () => {
    const release = await acquireDirLock(join(dir, 'a.lock'), { wait: false });
    expect(release).toBeTypeOf('function');
    expect(await acquireDirLock(join(dir, 'a.lock'), { wait: false })).toBeNull();
    const waiting = acquireDirLock(join(dir, 'a.lock'), { wait: true, pollMs: 10 });
    setTimeout(() => release!(), 50);
    const second = await waiting;
    expect(second).toBeTypeOf('function');
    second!();
  });

  it('takes over the lock of a holder killed with -9', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const lock = join(dir, 'b.lock');
    mkdirSync(lock);
    const { ownerOf } = await import('../../src/snapshot/owner.js');
    writeFileSync(join(lock, 'owner'), JSON.stringify(ownerOf(child.pid!)));
    expect(await acquireDirLock(lock, { wait: false })).toBeNull();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const release = await acquireDirLock(lock, { wait: false });
    expect(release).toBeTypeOf('function');
    release!();
  });
});
