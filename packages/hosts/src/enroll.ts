/**
 * Enrollment: from SSH credentials to a running agent, one reported step at a time.
 *
 * connect → platform → privileges → node → packages → upload → verify → service → online.
 * Nothing is written before the privilege check passes (which also refuses an earlier installation). Once the upload has begun, any
 * failure stops the agent and removes its unit and files again (`rollback`), so a host is
 * never left half-installed; Debian packages installed on the way are kept.
 */
import { agentPaths, type AgentPaths, type InstallLayout } from './layout.js';
import { checkAgentCommand, launcherScript, systemdUnit } from './agent-files.js';
import { checkCredentials, connect, type SshCredentials, type SshSession } from './connection.js';
import { HostError } from './errors.js';
import { bundleVersion, checkBundle, installBundle, installContent, withStaging } from './files.js';
import { checkNotInstalled, checkPrivileges, ENGINE_PACKAGES, ensureNode, ensurePackages, probePlatform } from './host-setup.js';
import type { Platform } from './platform.js';
import { detectServiceMode, startScript, uninstallScript, type ServiceMode } from './service.js';
import { quote } from './shell.js';
import { step, type OnStep } from './steps.js';

export interface EnrollOptions {
  ssh: SshCredentials;
  /** The pinned host key, or a newly accepted one after a change; absent on first contact (trust on first use). */
  hostKeyFingerprint?: string;
  /** How the agent reaches the hub. */
  hubUrl: string;
  /** One-time token the agent trades for its host token. */
  enrollToken: string;
  /** Local path of the single-file agent bundle to upload. */
  bundlePath: string;
  install?: InstallLayout;
  /** Debian packages the engine needs (default: ENGINE_PACKAGES). */
  packages?: readonly string[];
  /** Oldest Node.js the bundle runs on (default 20.11.0). */
  minNodeVersion?: string;
  /** SSH connect and handshake timeout (default 20 s). */
  timeoutMs?: number;
  /**
   * Resolves once the agent has reached the hub (the hub knows: the token was traded);
   * rejects to fail the enrollment, which then rolls back. Without it, `online` is skipped.
   */
  waitOnline?: () => Promise<void>;
}

export interface EnrollResult {
  /** The host key seen, to pin (on first contact, the key that is now trusted). */
  hostKeyFingerprint: string;
  platform: Platform;
  nodeVersion: string;
  /** The first line of `drydock --version` from the uploaded bundle. */
  bundleVersion: string;
  bundleSha256: string;
  mode: ServiceMode;
  /** The agent's pid when started detached. */
  pid?: number;
}

export async function enrollHost(opts: EnrollOptions, onStep: OnStep = () => {}): Promise<EnrollResult> {
  const paths = agentPaths(opts.install);
  checkCredentials(opts.ssh);
  checkAgentCommand(opts);
  await checkBundle(opts.bundlePath);
  const session = await step(onStep, 'connect', async () => {
    const s = await connect(opts);
    const trust = opts.hostKeyFingerprint === undefined ? 'first contact, now pinned' : 'matches the pinned key';
    return { value: s, detail: `${s.where}, host key ${s.hostKeyFingerprint} (${trust})` };
  });
  try {
    const platform = await step(onStep, 'platform', async () => {
      const p = await probePlatform(session);
      return { value: p, detail: `Linux ${p.arch}, ${p.distro}` };
    });
    await step(onStep, 'privileges', async () => {
      const detail = await checkPrivileges(session);
      await checkNotInstalled(session, paths);
      return { value: undefined, detail };
    });
    const node = await step(onStep, 'node', async () => {
      const n = await ensureNode(session, opts.minNodeVersion ?? '20.11.0');
      return { value: n, detail: `Node.js ${n.version} at ${n.node}${n.installed ? ' (installed from Debian)' : ''}` };
    });
    await step(onStep, 'packages', async () => {
      const list = opts.packages ?? ENGINE_PACKAGES;
      const installed = await ensurePackages(session, list);
      return { value: undefined, detail: installed.length ? `installed ${installed.join(', ')}` : `all ${list.length} present` };
    });
    try {
      return await withStaging(session, (staging) => install(session, staging, opts, paths, platform, node, onStep));
    } catch (err) {
      await rollback(session, paths, onStep);
      throw err;
    }
  } finally {
    session.close();
  }
}

async function install(
  s: SshSession,
  staging: string,
  opts: EnrollOptions,
  paths: AgentPaths,
  platform: Platform,
  node: { node: string; version: string },
  onStep: OnStep,
): Promise<EnrollResult> {
  const bundle = await step(onStep, 'upload', async () => {
    const b = await installBundle(s, staging, opts.bundlePath, paths, paths.bundle);
    return { value: b, detail: `${paths.bundle} (${b.bytes} bytes, sha256:${b.sha256.slice(0, 12)})` };
  });
  const version = await step(onStep, 'verify', async () => {
    const v = await bundleVersion(s, node.node, paths.bundle);
    return { value: v, detail: v };
  });
  const started = await step(onStep, 'service', async () => {
    const mode = await detectServiceMode(s);
    // A token left by an earlier agent would win over the enrollment token: start afresh.
    await s.run(`rm -rf ${quote(paths.agentState)}`, 'clearing an earlier agent identity', { root: true, code: 'install-failed' });
    await installContent(s, staging, launcherScript(paths, { node: node.node, hubUrl: opts.hubUrl, enrollToken: opts.enrollToken }), paths.launcher, '0700');
    if (mode === 'systemd') await installContent(s, staging, systemdUnit(paths), paths.unitFile, '0644');
    const out = await s.run(startScript(mode, paths), 'starting the agent', { root: true, code: 'install-failed' });
    const pid = mode === 'detached' ? Number(out.trim()) : undefined;
    const detail = mode === 'systemd' ? `systemd unit ${paths.unitName}.service enabled and started` : `started detached (no systemd), pid ${pid}, log ${paths.logFile}`;
    return { value: { mode, pid }, detail };
  });
  if (opts.waitOnline) {
    const waitOnline = opts.waitOnline;
    await step(onStep, 'online', async () => {
      try {
        await waitOnline();
      } catch (err) {
        throw new HostError('agent-offline', `the agent on ${s.where} did not come online: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      return { value: undefined, detail: 'the agent reached the hub' };
    });
  } else {
    onStep({ step: 'online', status: 'skipped' });
  }
  const result: EnrollResult = { hostKeyFingerprint: s.hostKeyFingerprint, platform, nodeVersion: node.version, bundleVersion: version, bundleSha256: bundle.sha256, mode: started.mode };
  if (started.pid !== undefined) result.pid = started.pid;
  return result;
}

async function rollback(s: SshSession, paths: AgentPaths, onStep: OnStep): Promise<void> {
  // The original error is what the caller needs; a failed rollback is reported as a step.
  await step(onStep, 'rollback', async () => {
    await s.run(uninstallScript(paths), 'removing the partial installation', { root: true });
    return { value: undefined, detail: `stopped the agent and removed ${paths.prefix}` };
  }).catch(() => undefined);
}
