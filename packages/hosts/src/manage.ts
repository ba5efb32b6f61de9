/**
 * Managing an enrolled host's agent over SSH: upgrade, restart, read its log, remove it.
 * Every call needs the pinned host key (trust on first use is for enrollment only) and finds
 * out on the host how the agent was installed (systemd unit or detached).
 */
import { agentPaths, type AgentPaths, type InstallLayout } from './layout.js';
import { connect, type SshCredentials, type SshSession } from './connection.js';
import { HostError } from './errors.js';
import { bundleVersion, checkBundle, installBundle, withStaging } from './files.js';
import { checkPrivileges, ensureNode } from './host-setup.js';
import { installedScript, logScript, startScript, stopScript, uninstallScript, type ServiceMode } from './service.js';
import { quote } from './shell.js';
import { step, type OnStep } from './steps.js';

export interface ManageOptions {
  ssh: SshCredentials;
  /** The pinned host key fingerprint. */
  hostKeyFingerprint: string;
  install?: InstallLayout;
  timeoutMs?: number;
}

export interface UpgradeOptions extends ManageOptions {
  bundlePath: string;
  minNodeVersion?: string;
}

/** Uploads a new bundle next to the old one, checks that it runs, swaps it in and restarts the agent. */
export async function upgradeAgent(opts: UpgradeOptions, onStep: OnStep = () => {}): Promise<{ bundleVersion: string; bundleSha256: string; pid?: number }> {
  await checkBundle(opts.bundlePath);
  return withAgent(opts, onStep, async (s, paths, mode) => {
    const { node } = await ensureNode(s, opts.minNodeVersion ?? '20.11.0');
    const next = paths.bundle.replace(/\.mjs$/, '.next.mjs');
    const bundle = await step(onStep, 'upload', async () => {
      const b = await withStaging(s, (staging) => installBundle(s, staging, opts.bundlePath, paths, next));
      return { value: b, detail: `${next} (${b.bytes} bytes, sha256:${b.sha256.slice(0, 12)})` };
    });
    const version = await step(onStep, 'verify', async () => {
      try {
        const v = await bundleVersion(s, node, next);
        return { value: v, detail: v };
      } catch (err) {
        await s.exec(`rm -f ${quote(next)}`, { root: true });
        throw err;
      }
    });
    await s.run(`mv -f ${quote(next)} ${quote(paths.bundle)}`, 'swapping in the new bundle', { root: true, code: 'install-failed' });
    const pid = await step(onStep, 'service', async () => {
      const p = await restart(s, paths, mode);
      return { value: p, detail: `restarted on ${version}` };
    });
    return { bundleVersion: version, bundleSha256: bundle.sha256, ...(pid === undefined ? {} : { pid }) };
  });
}

export async function restartAgent(opts: ManageOptions, onStep: OnStep = () => {}): Promise<{ mode: ServiceMode; pid?: number }> {
  return withAgent(opts, onStep, async (s, paths, mode) => {
    const pid = await step(onStep, 'service', async () => ({ value: await restart(s, paths, mode), detail: 'restarted' }));
    return { mode, ...(pid === undefined ? {} : { pid }) };
  });
}

/** The last `lines` lines of the agent's log (journal or log file). */
export async function readAgentLog(opts: ManageOptions & { lines?: number }): Promise<string> {
  return withAgent(opts, () => {}, (s, paths, mode) => s.run(logScript(mode, paths, opts.lines ?? 200), 'reading the agent log', { root: true }));
}

/** Stops the agent and removes its unit and files; `removed` is false when nothing was installed. */
export async function removeHost(opts: ManageOptions, onStep: OnStep = () => {}): Promise<{ removed: boolean }> {
  const paths = agentPaths(opts.install);
  const s = await connectStep(opts, onStep);
  try {
    await checkPrivileges(s);
    const mode = await installedMode(s, paths);
    if (mode === 'none') {
      onStep({ step: 'uninstall', status: 'skipped', detail: `no agent installed at ${paths.prefix}` });
      return { removed: false };
    }
    await step(onStep, 'stop', async () => {
      await s.run(stopScript(mode, paths), 'stopping the agent', { root: true });
      return { value: undefined, detail: 'agent stopped' };
    });
    await step(onStep, 'uninstall', async () => {
      await s.run(uninstallScript(paths), 'removing the agent', { root: true });
      return { value: undefined, detail: `removed ${paths.prefix}${mode === 'systemd' ? ` and ${paths.unitFile}` : ''}` };
    });
    return { removed: true };
  } finally {
    s.close();
  }
}

/** The `connect` step: an SSH session, reported with the host key it presented. */
function connectStep(opts: ManageOptions, onStep: OnStep): Promise<SshSession> {
  return step(onStep, 'connect', async () => {
    const session = await connect(opts);
    return { value: session, detail: `${session.where}, host key ${session.hostKeyFingerprint}` };
  });
}

async function withAgent<T>(opts: ManageOptions, onStep: OnStep, work: (s: SshSession, paths: AgentPaths, mode: ServiceMode) => Promise<T>): Promise<T> {
  const paths = agentPaths(opts.install);
  const s = await connectStep(opts, onStep);
  try {
    await checkPrivileges(s);
    const mode = await installedMode(s, paths);
    if (mode === 'none') throw new HostError('not-installed', `no agent is installed on ${s.where} at ${paths.prefix}`);
    return await work(s, paths, mode);
  } finally {
    s.close();
  }
}

async function installedMode(s: SshSession, paths: AgentPaths): Promise<ServiceMode | 'none'> {
  const out = (await s.run(installedScript(paths), 'looking for the agent', { root: true })).trim();
  return out === 'systemd' || out === 'detached' ? out : 'none';
}

async function restart(s: SshSession, paths: AgentPaths, mode: ServiceMode): Promise<number | undefined> {
  if (mode === 'systemd') {
    await s.run(`systemctl restart ${quote(paths.unitName)}.service`, 'restarting the agent', { root: true });
    return undefined;
  }
  await s.run(stopScript(mode, paths), 'stopping the agent', { root: true });
  return Number((await s.run(startScript(mode, paths), 'starting the agent', { root: true })).trim());
}
