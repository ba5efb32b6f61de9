/**
 * Managing the agent of a host enrolled over SSH (host-enrollment.ts): upgrade, restart, read
 * its log, remove it, and accept a changed host key. Every call is admin only and audited.
 * The pinned host key is checked on each connection; a different one fails with
 * `host-key-changed`, is recorded as pending, and is accepted only when an admin names the
 * fingerprint the host presents (`acceptHostKey`).
 */
import { HostError, normalizeFingerprint, readAgentLog, removeHost, restartAgent, scanHostKey, upgradeAgent, type ManageOptions, type StepEvent } from '@drydock/hosts';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { auditHostAction, bundlePath, credentials, HostOperationError, requireAdmin, sealer, sshView, stepRecorder, type HostOperation, type SealedCredentials } from './host-ssh.js';
import type { Principal } from './principal.js';

/** The host and its SSH record, with the credentials opened for one operation. */
async function managed(hub: Hub, hostId: string) {
  const host = await hub.prisma.host.findUnique({ where: { id: hostId }, include: { ssh: true } });
  if (!host) throw new ApiError('not-found', `no host ${hostId}`);
  if (!host.ssh) throw new ApiError('bad-request', `host ${host.name} was not enrolled over SSH: the hub cannot manage its agent`);
  const ssh = host.ssh;
  if (!ssh.hostKeyFingerprint) throw new ApiError('conflict', `host ${host.name} has no pinned host key`);
  const secrets = JSON.parse(sealer(hub).open(ssh.secretEnc, host.id)) as SealedCredentials;
  const opts: ManageOptions = {
    ssh: credentials({ host: ssh.address, port: ssh.port, username: ssh.username }, secrets),
    hostKeyFingerprint: ssh.hostKeyFingerprint,
    ...(hub.hostAgents?.install ? { install: hub.hostAgents.install } : {}),
  };
  return { host, ssh, opts };
}

/**
 * Runs one management operation: admin only, audited; the steps of an operation that changes
 * the host are streamed and kept (reading the log has none). A changed host key is recorded
 * as pending so an admin can compare and accept it.
 */
async function operate<T>(hub: Hub, by: Principal, hostId: string, operation: HostOperation | 'log', work: (opts: ManageOptions, onStep: (e: StepEvent) => void) => Promise<T>, auditParams: (r: T) => Record<string, unknown> = () => ({})) {
  const action = `host.${operation}`;
  const known = await hub.prisma.host.findUnique({ where: { id: hostId } });
  await requireAdmin(hub, by, action, { id: known?.id ?? null, name: known?.name ?? hostId });
  const { host, ssh, opts } = await managed(hub, hostId);
  const recorder = operation === 'log' ? null : stepRecorder(hub, operation, host);
  const steps = recorder?.steps ?? [];
  const keep = async () => {
    if (recorder) await hub.prisma.hostSsh.update({ where: { hostId: host.id }, data: { lastOperation: operation, lastSteps: steps as object[] } }).catch(() => undefined);
  };
  try {
    const result = await work(opts, recorder?.onStep ?? (() => {}));
    await keep();
    await auditHostAction(hub, by, action, host, 'success', { ...auditParams(result), ...(recorder ? { steps } : {}) });
    return { result, steps };
  } catch (err) {
    if (err instanceof HostError && err.code === 'host-key-changed') {
      const seen = await scanHostKey({ host: ssh.address, port: ssh.port, timeoutMs: 10_000 }).catch(() => null);
      await hub.prisma.hostSsh.update({ where: { hostId: host.id }, data: { pendingFingerprint: seen } }).catch(() => undefined);
      hub.bus.emit('changed', { topic: 'hosts', hostId: host.id });
    }
    await keep();
    const message = err instanceof Error ? err.message : String(err);
    await auditHostAction(hub, by, action, host, 'failure', { error: message, code: err instanceof HostError ? err.code : null, ...(recorder ? { steps } : {}) });
    if (err instanceof HostError) throw new HostOperationError(err, steps);
    throw err;
  }
}

/** Uploads the hub's agent bundle to the host, checks it runs, swaps it in and restarts the agent. */
export async function upgradeHostAgent(hub: Hub, by: Principal, hostId: string) {
  const bundle = bundlePath(hub);
  const { result, steps } = await operate(hub, by, hostId, 'upgrade', (opts, onStep) => upgradeAgent({ ...opts, bundlePath: bundle }, onStep), (r) => ({ bundleVersion: r.bundleVersion, bundleSha256: r.bundleSha256 }));
  await hub.prisma.hostSsh.update({ where: { hostId }, data: { bundleVersion: result.bundleVersion, bundleSha256: result.bundleSha256 } });
  return { bundleVersion: result.bundleVersion, bundleSha256: result.bundleSha256, steps };
}

export async function restartHostAgent(hub: Hub, by: Principal, hostId: string) {
  const { result, steps } = await operate(hub, by, hostId, 'restart', (opts, onStep) => restartAgent(opts, onStep), (r) => ({ mode: r.mode }));
  return { mode: result.mode, steps };
}

/** The last `lines` lines of the agent's log (journal or log file). */
export async function hostAgentLog(hub: Hub, by: Principal, hostId: string, lines = 200) {
  const n = Math.min(Math.max(1, Math.floor(lines)), 5000);
  const { result } = await operate(hub, by, hostId, 'log', (opts) => readAgentLog({ ...opts, lines: n }), () => ({ lines: n }));
  return { log: result };
}

/**
 * Stops and uninstalls the agent over SSH, then deletes the host with its tokens (so the
 * agent's token is revoked). With `force`, a host that cannot be reached is deleted anyway.
 */
export async function removeManagedHost(hub: Hub, by: Principal, hostId: string, opts: { force?: boolean } = {}) {
  const host = await hub.prisma.host.findUnique({ where: { id: hostId }, include: { ssh: true } });
  if (!host) throw new ApiError('not-found', `no host ${hostId}`);
  let steps: StepEvent[] = [];
  let removed = false;
  if (host.ssh) {
    try {
      const r = await operate(hub, by, hostId, 'remove', (o, onStep) => removeHost(o, onStep), (r) => ({ removed: r.removed }));
      steps = r.steps;
      removed = r.result.removed;
    } catch (err) {
      if (!(opts.force && err instanceof HostOperationError)) throw err;
      steps = err.steps;
    }
  } else {
    await requireAdmin(hub, by, 'host.remove', host);
  }
  await hub.prisma.host.delete({ where: { id: host.id } });
  hub.agents.disconnect?.(host.id); // an agent still connected (not reached over SSH) goes now
  hub.bus.emit('changed', { topic: 'hosts', hostId: host.id });
  if (!host.ssh || opts.force) await auditHostAction(hub, by, 'host.remove', host, 'success', { revoked: true, ...(opts.force ? { force: true } : {}) });
  return { removed, tokensRevoked: true, steps };
}

/** The host's SSH access as the host page shows it (pinned and pending keys, last steps). */
export async function hostSsh(hub: Hub, hostId: string) {
  const row = await hub.prisma.hostSsh.findUnique({ where: { hostId } });
  if (!row) throw new ApiError('not-found', `host ${hostId} was not enrolled over SSH`);
  return sshView(row);
}

/** The key the host presents now beside the pinned one: what an admin compares before accepting. */
export async function scanCurrentHostKey(hub: Hub, hostId: string) {
  const ssh = await hostSsh(hub, hostId);
  let seen: string;
  try {
    seen = await scanHostKey({ host: ssh.address, port: ssh.port, timeoutMs: 10_000 });
  } catch (err) {
    if (err instanceof HostError) throw new HostOperationError(err, []);
    throw err;
  }
  return { pinned: ssh.hostKeyFingerprint, pending: ssh.pendingHostKeyFingerprint, seen, matches: seen === ssh.hostKeyFingerprint };
}

/**
 * Pins a new host key after an admin compared it: `fingerprint` must be the key the host
 * presents now (scanned again here), so an admin never accepts a key they did not see.
 */
export async function acceptHostKey(hub: Hub, by: Principal, hostId: string, fingerprint: string) {
  const known = await hub.prisma.host.findUnique({ where: { id: hostId }, include: { ssh: true } });
  await requireAdmin(hub, by, 'host.key-accept', { id: known?.id ?? null, name: known?.name ?? hostId });
  if (!known) throw new ApiError('not-found', `no host ${hostId}`);
  if (!known.ssh) throw new ApiError('bad-request', `host ${known.name} was not enrolled over SSH`);
  const wanted = normalizeFingerprint(fingerprint);
  let seen: string;
  try {
    seen = await scanHostKey({ host: known.ssh.address, port: known.ssh.port });
  } catch (err) {
    if (err instanceof HostError) throw new HostOperationError(err, []);
    throw err;
  }
  if (seen !== wanted) {
    await auditHostAction(hub, by, 'host.key-accept', known, 'failure', { offered: wanted, seen });
    throw new ApiError('conflict', `${known.ssh.address}:${known.ssh.port} presents ${seen}, not ${wanted}: nothing accepted`);
  }
  const row = await hub.prisma.hostSsh.update({ where: { hostId }, data: { hostKeyFingerprint: seen, pendingFingerprint: null } });
  await auditHostAction(hub, by, 'host.key-accept', known, 'success', { from: known.ssh.hostKeyFingerprint, to: seen });
  hub.bus.emit('changed', { topic: 'hosts', hostId });
  return sshView(row);
}
