import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollHost, readAgentLog, removeHost, scanHostKey, type EnrollOptions, type HostError, type StepEvent } from '../src/index.js';
import { keyPair, startSshHost, type SshTestHost } from './helpers/ssh-host.js';

/**
 * What the hub's "Add host" form must refuse with one clear line, against a real OpenSSH
 * server: wrong credentials, a changed host key, a user without sudo, an unreachable host.
 */
let host: SshTestHost;
let work: string;
let bundle: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), `drydock-hosts-${process.pid}-`));
  bundle = join(work, 'drydock.mjs');
  execFileSync('sh', ['-c', `printf 'console.log("Drydock version 0.0.0")\\n' > ${bundle}`]);
  host = await startSshHost();
});

afterAll(async () => {
  await host?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const install = () => {
  const id = Math.random().toString(16).slice(2, 10);
  return { prefix: join(work, `drydock-${id}`), unitName: 'drydock-agent-refusal-test', agentRoot: join(work, `root-${id}`) };
};

function options(ssh: EnrollOptions['ssh'], extra: Partial<EnrollOptions> = {}): EnrollOptions {
  return { ssh, hubUrl: 'http://127.0.0.1:9/', enrollToken: 'refusal-test-token-0123456789', bundlePath: bundle, install: install(), ...extra };
}

async function refusal(opts: EnrollOptions): Promise<{ err: HostError; steps: StepEvent[] }> {
  const steps: StepEvent[] = [];
  const err = await enrollHost(opts, (s) => steps.push(s)).then(
    () => expect.fail('enrollment should have been refused'),
    (e: unknown) => e as HostError,
  );
  expect(err.message).not.toContain('\n');
  return { err, steps };
}

describe('refused credentials', () => {
  it('refuses a key the server does not know', async () => {
    const stranger = keyPair(join(work, 'stranger'), '');
    const { err, steps } = await refusal(options({ host: host.address, username: 'root', privateKey: stranger.privateKey }));
    expect([err.code, err.status]).toEqual(['auth-failed', 401]);
    expect(err.message).toBe(`authentication failed for root@${host.address}:22: the key or password was refused`);
    expect(steps).toEqual([{ step: 'connect', status: 'running' }, { step: 'connect', status: 'failed', detail: err.message }]);
  });

  it('refuses a wrong password without repeating it', async () => {
    const wrong = `${host.plainUser.password}-wrong`;
    const { err, steps } = await refusal(options({ host: host.address, username: host.plainUser.name, password: wrong }));
    expect(err.code).toBe('auth-failed');
    expect(JSON.stringify(steps)).not.toContain(wrong);
  });

  it('refuses a wrong passphrase for an encrypted key before connecting', async () => {
    const { err } = await refusal(options({ host: host.address, username: host.sudoUser.name, privateKey: host.sudoUser.key.privateKey, passphrase: 'not-the-passphrase' }));
    expect(err.code).toBe('invalid-key');
    expect(err.message).toMatch(/^the private key for dds[\w-]+@[\d.]+:22 cannot be used: /);
    expect(err.message).not.toContain('not-the-passphrase');
  });
});

describe('a user without sudo rights', () => {
  it('is refused after logging in with a password, and nothing is left on the host', async () => {
    const opts = options({ host: host.address, username: host.plainUser.name, password: host.plainUser.password });
    const { err, steps } = await refusal(opts);
    expect(err.code).toBe('no-sudo');
    expect(err.message).toMatch(new RegExp(`^${host.plainUser.name}@[\\d.]+:22 is not root and has no passwordless sudo \\(.*\\): log in as root or allow sudo without a password$`));
    expect(steps.filter((s) => s.status !== 'running').map((s) => `${s.step}:${s.status}`)).toEqual(['connect:done', 'platform:done', 'privileges:failed']);
    expect(existsSync(opts.install!.prefix!)).toBe(false);
    const uid = Number(execFileSync('id', ['-u', host.plainUser.name], { encoding: 'utf8' }));
    expect(readdirSync(tmpdir()).filter((n) => statSync(join(tmpdir(), n)).uid === uid)).toEqual([]);
  });
});

describe('host keys', () => {
  it('refuses a changed host key until the new one is accepted', async () => {
    const old = host.hostKeyFingerprint;
    const ssh = { host: host.address, username: 'root', privateKey: host.rootKey.privateKey };
    expect(await removeHost({ ssh, hostKeyFingerprint: old, install: install() })).toEqual({ removed: false });

    const rotated = await host.rotateHostKey();
    expect(rotated).not.toBe(old);
    const { err, steps } = await refusal(options(ssh, { hostKeyFingerprint: old }));
    expect([err.code, err.status]).toEqual(['host-key-changed', 409]);
    expect(err.message).toBe(`host key changed for root@${host.address}:22: expected ${old} got ${rotated} (accept the new key to continue)`);
    expect(steps.at(-1)).toEqual({ step: 'connect', status: 'failed', detail: err.message });
    await expect(readAgentLog({ ssh, hostKeyFingerprint: old, install: install() })).rejects.toMatchObject({ code: 'host-key-changed' });

    // The admin compares the scanned key and accepts it: the next call goes through.
    expect(await scanHostKey({ host: host.address })).toBe(rotated);
    expect(await removeHost({ ssh, hostKeyFingerprint: rotated, install: install() })).toEqual({ removed: false });
  });
});

describe('unreachable hosts', () => {
  let silent: Server;
  beforeAll(async () => {
    // Accepts TCP connections and never speaks SSH: the handshake times out.
    silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    silent.close();
  });

  it('reports a refused connection', async () => {
    const { err } = await refusal(options({ host: host.address, port: 2, username: 'root', password: 'x' }));
    expect(err.code).toBe('unreachable');
    expect(err.message).toBe(`cannot reach root@${host.address}:2: ECONNREFUSED`);
  });

  it('reports a handshake that never comes', async () => {
    const port = (silent.address() as { port: number }).port;
    const { err } = await refusal(options({ host: '127.0.0.1', port, username: 'root', password: 'x' }, { timeoutMs: 300 }));
    expect(err.code).toBe('unreachable');
    expect(err.message).toBe(`cannot reach root@127.0.0.1:${port}: timed out waiting for the SSH handshake`);
  });
});

describe('bad options', () => {
  it.each([
    ['no credentials', () => options({ host: '127.0.0.1', username: 'root' }), 'invalid-argument', 'no private key or password given for root@127.0.0.1:22'],
    ['a prefix that is a system directory', () => options({ host: '127.0.0.1', username: 'root', password: 'x' }, { install: { prefix: '/usr' } }), 'invalid-argument', 'install prefix "/usr" must be an absolute, normalized path whose last directory contains "drydock"'],
    ['a hub URL that is not http', () => options({ host: '127.0.0.1', username: 'root', password: 'x' }, { hubUrl: 'ftp://hub' }), 'invalid-argument', 'hub URL "ftp://hub" must be http or https'],
    ['a short token', () => options({ host: '127.0.0.1', username: 'root', password: 'x' }, { enrollToken: 'short' }), 'invalid-argument', 'the enrollment token must be 16 to 512 URL-safe characters'],
    ['a missing bundle', () => options({ host: '127.0.0.1', username: 'root', password: 'x' }, { bundlePath: '/nonexistent/drydock.mjs' }), 'invalid-argument', 'agent bundle /nonexistent/drydock.mjs is not a readable file'],
  ])('refuses %s before connecting', async (_name, opts, code, message) => {
    const { err, steps } = await refusal(opts());
    expect([err.code, err.message]).toEqual([code, message]);
    expect(steps).toEqual([]);
  });
});
