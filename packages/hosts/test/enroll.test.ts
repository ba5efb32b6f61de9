import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_PACKAGES, enrollHost, isHostError, readAgentLog, removeHost, restartAgent, scanHostKey, upgradeAgent, type EnrollOptions, type StepEvent } from '../src/index.js';
import { buildAgentBundle, CLI_VERSION, startHubStub, type HubStub } from './helpers/agent-bundle.js';
import { startSshHost, type SshTestHost } from './helpers/ssh-host.js';

/**
 * End to end against Debian's OpenSSH server in a network namespace: enroll, restart,
 * upgrade, read the log and remove an agent, and undo a failed enrollment. The namespace
 * shares this machine's filesystem and pids, so every agent lives in a unique prefix.
 */
let host: SshTestHost;
let hub: HubStub;
let work: string;
let bundleV1: string;
let bundleV2: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), `drydock-hosts-${process.pid}-`));
  bundleV1 = join(work, 'v1', 'drydock.mjs');
  bundleV2 = join(work, 'v2', 'drydock.mjs');
  await Promise.all([buildAgentBundle(bundleV1, '1'), buildAgentBundle(bundleV2, '2')]);
  host = await startSshHost();
  hub = await startHubStub(host.peerAddress);
});

afterAll(async () => {
  await hub?.close();
  await host?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const systemd = existsSync('/run/systemd/system');
const token = (): string => randomBytes(24).toString('base64url');
const layout = () => {
  const id = randomBytes(4).toString('hex');
  // The namespace shares this machine's filesystem: never the default /var/lib/drydock.
  return { prefix: join(work, `drydock-${id}`), unitName: `drydock-agent-test-${id}`, agentRoot: join(work, `root-${id}`) };
};
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Whether a pid runs (a zombie waiting for its reaper does not). */
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

function rootOptions(install: { prefix: string; unitName: string }, enrollToken: string, steps: StepEvent[] = []): EnrollOptions {
  return {
    ssh: { host: host.address, port: host.port, username: 'root', privateKey: host.rootKey.privateKey },
    hubUrl: hub.url,
    enrollToken,
    bundlePath: bundleV1,
    install,
    waitOnline: async () => {
      await hub.next((e) => e.token === enrollToken);
    },
  };
}

describe('enrolling a host as root', () => {
  it('installs, starts, restarts, upgrades, reads the log of and removes an agent', async () => {
    const install = layout();
    const enrollToken = token();
    const steps: StepEvent[] = [];
    const result = await enrollHost(rootOptions(install, enrollToken), (s) => steps.push(s));

    // The fingerprint is OpenSSH's own (`ssh-keygen -lf` of the host key), returned for pinning.
    expect(result.hostKeyFingerprint).toBe(host.hostKeyFingerprint);
    expect(result.platform.arch).toBe(process.arch === 'x64' ? 'amd64' : 'arm64');
    expect(result.nodeVersion).toBe(process.version);
    expect(result.bundleVersion).toBe(`Drydock version ${CLI_VERSION}`);
    expect(result.mode).toBe(systemd ? 'systemd' : 'detached');
    expect(steps.filter((s) => s.status !== 'running').map((s) => `${s.step}:${s.status}`)).toEqual(
      ['connect', 'platform', 'privileges', 'node', 'packages', 'upload', 'verify', 'service', 'online'].map((s) => `${s}:done`),
    );
    expect(steps.find((s) => s.step === 'packages' && s.status === 'done')?.detail).toBe(`all ${ENGINE_PACKAGES.length} present`);
    const details = JSON.stringify(steps);
    expect(details).not.toContain(enrollToken);
    expect(details).not.toContain('PRIVATE KEY');

    // The agent that came online runs our bundle with the hub URL and token on this Node.js.
    const online = await hub.next((e) => e.token === enrollToken);
    expect(online).toMatchObject({ node: process.version, version: '1' });
    if (result.mode === 'detached') expect(online.pid).toBe(result.pid);
    expect(sha256(join(install.prefix, 'drydock.mjs'))).toBe(result.bundleSha256);
    expect(result.bundleSha256).toBe(sha256(bundleV1));
    const launcher = statSync(join(install.prefix, 'agent.sh'));
    expect([launcher.mode & 0o777, launcher.uid]).toEqual([0o700, 0]);
    expect(readFileSync(join(install.prefix, 'agent.sh'), 'utf8')).toContain(`'--enroll-token' '${enrollToken}' '--root' '${install.agentRoot}'`);

    // A second enrollment onto the same installation is refused and leaves the agent alone.
    const again = enrollHost({ ...rootOptions(install, token()), hostKeyFingerprint: result.hostKeyFingerprint });
    await expect(again).rejects.toMatchObject({ code: 'already-installed' });
    expect(running(online.pid)).toBe(true);

    const manage = { ssh: { host: host.address, username: 'root', privateKey: host.rootKey.privateKey }, hostKeyFingerprint: result.hostKeyFingerprint, install };
    expect(await readAgentLog(manage)).toContain(`agent: enrolled with ${hub.url} (HTTP 201)`);

    const restarted = await restartAgent(manage);
    const second = await hub.next((e) => e.token === enrollToken && e.pid !== online.pid);
    if (restarted.mode === 'detached') expect(second.pid).toBe(restarted.pid);
    expect(running(online.pid)).toBe(false);

    const upgradeSteps: StepEvent[] = [];
    const upgraded = await upgradeAgent({ ...manage, bundlePath: bundleV2 }, (s) => upgradeSteps.push(s));
    expect(upgraded.bundleSha256).toBe(sha256(bundleV2));
    expect(sha256(join(install.prefix, 'drydock.mjs'))).toBe(sha256(bundleV2));
    const third = await hub.next((e) => e.token === enrollToken && e.version === '2');
    expect(running(second.pid)).toBe(false);
    expect(upgradeSteps.filter((s) => s.status === 'done').map((s) => s.step)).toEqual(['connect', 'upload', 'verify', 'service']);

    const removeSteps: StepEvent[] = [];
    expect(await removeHost(manage, (s) => removeSteps.push(s))).toEqual({ removed: true });
    expect(removeSteps.filter((s) => s.status === 'done').map((s) => s.step)).toEqual(['connect', 'stop', 'uninstall']);
    expect(running(third.pid)).toBe(false);
    expect(existsSync(install.prefix)).toBe(false);
    expect(existsSync(`/etc/systemd/system/${install.unitName}.service`)).toBe(false);
    expect(await removeHost(manage)).toEqual({ removed: false });
    await expect(readAgentLog(manage)).rejects.toMatchObject({ code: 'not-installed' });
  });

  it('keeps the old bundle running when an upgrade does not run', async () => {
    const install = layout();
    const enrollToken = token();
    const result = await enrollHost(rootOptions(install, enrollToken));
    const online = await hub.next((e) => e.token === enrollToken);
    const manage = { ssh: { host: host.address, username: 'root', privateKey: host.rootKey.privateKey }, hostKeyFingerprint: result.hostKeyFingerprint, install };
    const broken = join(work, 'broken.mjs');
    writeFileSync(broken, "throw new Error('this bundle is broken');\n");
    const err = await upgradeAgent({ ...manage, bundlePath: broken }).catch((e: unknown) => e);
    expect(isHostError(err, 'bundle-invalid')).toBe(true);
    expect((err as Error).message).toMatch(/^the bundle does not run on root@10\.231\.\d+\.\d+:22: /);
    expect(sha256(join(install.prefix, 'drydock.mjs'))).toBe(sha256(bundleV1));
    expect(readdirSync(install.prefix).sort()).toEqual(systemd ? ['agent.sh', 'drydock.mjs'] : ['agent.log', 'agent.pid', 'agent.sh', 'drydock.mjs']);
    expect(running(online.pid)).toBe(true);
    await removeHost(manage);
    expect(running(online.pid)).toBe(false);
  });
});

describe('enrolling through passwordless sudo', () => {
  it('enrolls with a passphrase-protected key after the admin accepted the scanned host key', async () => {
    const fingerprint = await scanHostKey({ host: host.address, port: host.port });
    expect(fingerprint).toBe(host.hostKeyFingerprint);
    const install = layout();
    const enrollToken = token();
    const steps: StepEvent[] = [];
    const ssh = { host: host.address, username: host.sudoUser.name, privateKey: host.sudoUser.key.privateKey, passphrase: host.sudoUser.passphrase };
    const result = await enrollHost({ ...rootOptions(install, enrollToken), ssh, hostKeyFingerprint: fingerprint }, (s) => steps.push(s));
    expect(steps.find((s) => s.step === 'privileges' && s.status === 'done')?.detail).toBe('passwordless sudo');
    expect(steps.find((s) => s.step === 'connect' && s.status === 'done')?.detail).toContain('matches the pinned key');
    expect(JSON.stringify(steps)).not.toContain(host.sudoUser.passphrase);
    const online = await hub.next((e) => e.token === enrollToken);
    expect(statSync(join(install.prefix, 'drydock.mjs')).uid).toBe(0);
    // The prefix sits in a directory only root can read: the earlier installation is found as root.
    expect(statSync(work).mode & 0o077).toBe(0);
    const again = enrollHost({ ...rootOptions(install, token()), ssh, hostKeyFingerprint: fingerprint });
    await expect(again).rejects.toMatchObject({ code: 'already-installed' });
    expect(running(online.pid)).toBe(true);
    // Staging directories of the login user are gone.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('drydock-stage.') && statSync(join(tmpdir(), n)).uid !== 0)).toEqual([]);
    expect(await removeHost({ ssh, hostKeyFingerprint: result.hostKeyFingerprint, install })).toEqual({ removed: true });
    expect(running(online.pid)).toBe(false);
    expect(existsSync(install.prefix)).toBe(false);
  });
});

describe('a failed enrollment is undone', () => {
  it('stops the started agent and removes its files when it does not come online', async () => {
    const install = layout();
    const enrollToken = token();
    const steps: StepEvent[] = [];
    let started: number | undefined;
    const opts: EnrollOptions = {
      ...rootOptions(install, enrollToken),
      waitOnline: async () => {
        started = (await hub.next((e) => e.token === enrollToken)).pid;
        throw new Error('the hub refused the enrollment token');
      },
    };
    const err = await enrollHost(opts, (s) => steps.push(s)).catch((e: unknown) => e);
    expect(isHostError(err, 'agent-offline')).toBe(true);
    expect((err as Error).message).toMatch(/^the agent on root@[\d.]+:22 did not come online: the hub refused the enrollment token$/);
    expect(steps.slice(-3)).toEqual([
      { step: 'online', status: 'failed', detail: (err as Error).message },
      { step: 'rollback', status: 'running' },
      { step: 'rollback', status: 'done', detail: `stopped the agent and removed ${install.prefix}` },
    ]);
    expect(started).toBeDefined();
    expect(running(started!)).toBe(false);
    expect(existsSync(install.prefix)).toBe(false);
  });

  it('removes an uploaded bundle that does not run', async () => {
    const install = layout();
    const broken = join(work, 'not-node.mjs');
    writeFileSync(broken, 'this is not javascript\n');
    const steps: StepEvent[] = [];
    const err = await enrollHost({ ...rootOptions(install, token()), bundlePath: broken }, (s) => steps.push(s)).catch((e: unknown) => e);
    expect(isHostError(err, 'bundle-invalid')).toBe(true);
    expect(steps.filter((s) => s.status !== 'running').map((s) => `${s.step}:${s.status}`).slice(-3)).toEqual(['upload:done', 'verify:failed', 'rollback:done']);
    expect(existsSync(install.prefix)).toBe(false);
  });
});
