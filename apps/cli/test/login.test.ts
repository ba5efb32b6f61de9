import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDistribution, type Distribution } from '../../../tooling/test/distribution.js';
import { startTokenService, type TokenService } from '../../../tooling/test/token-service.js';
import { spawn } from 'node:child_process';
import { busyboxTar, cliSandbox, expectCleanFailure, repoRoot } from './helpers/cli.js';

/**
 * login, logout and authenticated push/pull against distribution 2.8 with
 * htpasswd (Basic) and with token auth (Bearer), credentials in config.json
 * or in a docker-credential-* helper. The CLI runs asynchronously: the token
 * service answers from this process.
 */
const PASSWORD = 'c0rrect-h0rse';
const box = cliSandbox();
const dockerConfig = join(box.dir, 'docker');
box.env.DOCKER_CONFIG = dockerConfig;
const config = () => JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }>; credsStore?: string; credHelpers?: Record<string, string> };
const run = (args: string[], input?: string) => box.spawn(args, input === undefined ? {} : { input });
const noSecret = (r: { stdout: string; stderr: string }) => {
  expect(r.stdout).not.toContain(PASSWORD);
  expect(r.stderr).not.toContain(PASSWORD);
};

describe('login with htpasswd (Basic)', () => {
  let reg: Distribution;
  beforeAll(async () => {
    reg = await startDistribution({ users: { ann: PASSWORD } });
    expect((await run(['import', busyboxTar, `${reg.host}/team/app:1`])).status).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
  });

  it('refuses a wrong password in one line and stores nothing', async () => {
    const r = await run(['login', '-u', 'ann', '--password-stdin', reg.host], 'wrong\n');
    expect(expectCleanFailure(r)).toBe(`Error response from daemon: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`);
    expect(existsSync(join(dockerConfig, 'config.json'))).toBe(false);
    expect(expectCleanFailure(await run(['push', `${reg.host}/team/app:1`]))).toBe('unauthorized: authentication required');
  });

  it('logs in (plain-text warning, Login Succeeded), pushes and pulls with the stored credentials, logs out', async () => {
    const r = await run(['login', '-u', 'ann', '--password-stdin', reg.host], `${PASSWORD}\n`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('Login Succeeded\n');
    expect(r.stderr).toBe(
      `WARNING! Your password will be stored unencrypted in ${join(dockerConfig, 'config.json')}.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n`,
    );
    noSecret(r);
    expect(config().auths?.[reg.host]?.auth).toBe(Buffer.from(`ann:${PASSWORD}`).toString('base64'));

    const push = await run(['push', `${reg.host}/team/app:1`]);
    expect(push.status, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    const other = cliSandbox();
    other.env.DOCKER_CONFIG = dockerConfig;
    try {
      const pull = await other.spawn(['pull', `${reg.host}/team/app:1`]);
      expect(pull.status, pull.stderr).toBe(0);
    } finally {
      other.cleanup();
    }
    // Stored credentials are tried first, as Docker does.
    const again = await run(['login', reg.host]);
    expect(again.stdout).toBe('Authenticating with existing credentials...\nLogin Succeeded\n');

    const out = await run(['logout', reg.host]);
    expect(out.stdout).toBe(`Removing login credentials for ${reg.host}\n`);
    expect(config().auths?.[reg.host]).toBeUndefined();
    // Docker 20.10 prints the same line when nothing was stored.
    expect((await run(['logout', reg.host])).stdout).toBe(`Removing login credentials for ${reg.host}\n`);
    expect(expectCleanFailure(await run(['pull', `${reg.host}/team/app:1`]))).toBe('Error response from daemon: unauthorized: authentication required');
  });

  it('-p works with Docker\'s warning; --password-stdin needs -u; no terminal and no credentials is one line', async () => {
    const r = await run(['login', '-u', 'ann', '-p', PASSWORD, reg.host]);
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe('WARNING! Using --password via the CLI is insecure. Use --password-stdin.');
    noSecret(r);
    expect((await run(['logout', reg.host])).status).toBe(0);
    expect(expectCleanFailure(await run(['login', '--password-stdin', reg.host], 'x'))).toBe('Error: Must provide --username with --password-stdin');
    expect(expectCleanFailure(await run(['login', reg.host]))).toBe('Error: Cannot perform an interactive login from a non TTY device');
    // Docker Hub is the default server, under its v1 key.
    expect((await run(['logout'])).stdout).toBe('Removing login credentials for https://index.docker.io/v1/\n');
  });

  it('asks for the username and password on a terminal without echoing the password', async () => {
    // `script` gives the CLI a pseudo-terminal; each answer is typed once its prompt shows.
    const child = spawn('script', ['-qec', `${join(repoRoot, 'bin/drydock')} login ${reg.host}`, '/dev/null'], { env: box.env });
    let output = '';
    const answered = new Set<string>();
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      for (const [prompt, answer] of [['Username: ', 'ann'], ['Password: ', PASSWORD]] as const) {
        if (output.includes(prompt) && !answered.has(prompt)) {
          answered.add(prompt);
          child.stdin.write(`${answer}\n`);
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toContain('Login Succeeded');
    expect(output).not.toContain(PASSWORD);
    expect(config().auths?.[reg.host]?.auth).toBe(Buffer.from(`ann:${PASSWORD}`).toString('base64'));
    expect((await run(['logout', reg.host])).status).toBe(0);
  });

  it('keeps credentials in a docker-credential helper (credsStore, credHelpers) and never in config.json', async () => {
    const bin = join(box.dir, 'helper-bin');
    const store = join(box.dir, 'helper-store');
    mkdirSync(bin, { recursive: true });
    mkdirSync(store, { recursive: true });
    // The credential-helper protocol: store reads {ServerURL,Username,Secret}, get and erase read the URL.
    writeFileSync(
      join(bin, 'docker-credential-drytest'),
      `#!/bin/sh
key() { printf %s "$1" | tr '/:' '__'; }
case "$1" in
  store) cat > "${store}/.in"; server=$(sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p' "${store}/.in"); mv "${store}/.in" "${store}/$(key "$server").json" ;;
  get) read -r server; f="${store}/$(key "$server").json"; [ -f "$f" ] || { echo "credentials not found in native keychain"; exit 1; }; cat "$f" ;;
  erase) read -r server; f="${store}/$(key "$server").json"; [ -f "$f" ] || { echo "credentials not found in native keychain"; exit 1; }; rm "$f" ;;
  *) exit 1 ;;
esac
`,
    );
    chmodSync(join(bin, 'docker-credential-drytest'), 0o755);
    const helperBox = cliSandbox();
    const helperConfig = join(helperBox.dir, 'docker');
    helperBox.env.DOCKER_CONFIG = helperConfig;
    helperBox.env.PATH = `${bin}:${process.env.PATH}`;
    try {
      for (const setting of [{ credsStore: 'drytest' }, { credHelpers: { [reg.host]: 'drytest' } }]) {
        mkdirSync(helperConfig, { recursive: true });
        writeFileSync(join(helperConfig, 'config.json'), JSON.stringify({ ...setting, experimental: 'keep-me' }));
        const r = await helperBox.spawn(['login', '-u', 'ann', '--password-stdin', reg.host], { input: PASSWORD });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toBe('Login Succeeded\n');
        expect(r.stderr).toBe('');
        const saved = JSON.parse(readFileSync(join(helperConfig, 'config.json'), 'utf8')) as Record<string, unknown>;
        expect(saved).toEqual({ ...setting, experimental: 'keep-me', auths: { [reg.host]: {} } });
        expect(JSON.parse(readFileSync(join(store, `${reg.host.replace(':', '_')}.json`), 'utf8'))).toEqual({ ServerURL: reg.host, Username: 'ann', Secret: PASSWORD });
        expect((await helperBox.spawn(['import', busyboxTar, `${reg.host}/helper/app:1`])).status).toBe(0);
        const push = await helperBox.spawn(['push', `${reg.host}/helper/app:1`]);
        expect(push.status, push.stderr).toBe(0);
        expect((await helperBox.spawn(['logout', reg.host])).stdout).toBe(`Removing login credentials for ${reg.host}\n`);
        expect(readdirSync(store)).toEqual([]);
      }
    } finally {
      helperBox.cleanup();
    }
  });
});

describe('token auth (Bearer)', () => {
  let tokens: TokenService;
  let reg: Distribution;
  beforeAll(async () => {
    mkdirSync(join(box.dir, 'token'), { recursive: true });
    tokens = await startTokenService(join(box.dir, 'token'), { ann: PASSWORD });
    reg = await startDistribution({ token: tokens });
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    await tokens?.close();
  });

  it('logs in through the token service, pushes with a push token reused across requests, pulls anonymously', async () => {
    const bad = await run(['login', '-u', 'ann', '--password-stdin', reg.host], 'nope');
    expect(expectCleanFailure(bad)).toBe(`Error response from daemon: Get "http://${reg.host}/v2/": unauthorized: incorrect username or password`);
    const r = await run(['login', '-u', 'ann', '--password-stdin', reg.host], PASSWORD);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('Login Succeeded\n');

    expect((await run(['import', busyboxTar, `${reg.host}/team/tok:1`])).status).toBe(0);
    tokens.requests.length = 0;
    const push = await run(['push', `${reg.host}/team/tok:1`]);
    expect(push.status, push.stderr).toBe(0);
    // One token for the push scope serves the HEADs, the upload and the manifest.
    expect(tokens.requests).toEqual([{ user: 'ann', scopes: ['repository:team/tok:pull,push'] }]);

    expect((await run(['logout', reg.host])).status).toBe(0);
    const anonymous = cliSandbox();
    anonymous.env.DOCKER_CONFIG = join(anonymous.dir, 'docker');
    try {
      tokens.requests.length = 0;
      const pull = await anonymous.spawn(['pull', `${reg.host}/team/tok:1`]);
      expect(pull.status, pull.stderr).toBe(0);
      expect(tokens.requests).toEqual([{ user: 'anonymous', scopes: ['repository:team/tok:pull'] }]);
      expect((await anonymous.spawn(['tag', `${reg.host}/team/tok:1`, `${reg.host}/team/anon:1`])).status).toBe(0);
      expect(expectCleanFailure(await anonymous.spawn(['push', `${reg.host}/team/anon:1`]))).toMatch(/^(unauthorized|denied): /);
    } finally {
      anonymous.cleanup();
    }
  });
});

afterAll(() => box.cleanup());
