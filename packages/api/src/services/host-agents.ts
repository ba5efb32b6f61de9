/**
 * Hosts the hub manages over SSH (issue 7): enroll one from SSH credentials, then upgrade,
 * restart, read the log of and remove its agent, through @drydock/hosts.
 *
 * - The host record and a one-time enrollment token bound to it are created first; the agent
 *   trades the token on its first connect (services/hosts.ts `enrollHost`) and the host goes
 *   online. A failed enrollment is rolled back on the host by @drydock/hosts and here by
 *   deleting the record (with its token), so nothing half-done remains.
 * - Credentials are sealed with the hub's key (the one sealing registry passwords) and bound
 *   to the host id; they are opened only to connect and never returned, logged or audited.
 * - The host key is trusted on first contact and pinned. A later operation that meets another
 *   key fails with `host-key-changed` and records the key it saw; an admin accepts it by
 *   naming that fingerprint (`acceptHostKey`).
 * - Each step goes to browsers as a `hostStep` bus event (the /ui namespace forwards it as
 *   `host:step`) and is kept on the record; each operation is audited.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendAudit, hashToken, newToken, type Prisma } from '@drydock/db';
import {
  enrollHost as installAgent,
  HostError,
  normalizeFingerprint,
  readAgentLog,
  removeHost,
  restartAgent,
  scanHostKey,
  SecretBox,
  upgradeAgent,
  type InstallLayout,
  type ManageOptions,
  type SshCredentials,
  type StepEvent,
} from '@drydock/hosts';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { hostView } from './hosts.js';
import { actorOf, requireRole, type Principal } from './principal.js';

/** Where the agent comes from and where it goes on hosts; all optional. */
export interface HostAgentConfig {
  /** The single-file agent bundle (default: apps/agent/dist/drydock.mjs of this checkout). */
  bundlePath?: string;
  /** Install prefix, systemd unit name and agent state root on hosts (default /opt/drydock, drydock-agent, /var/lib/drydock). */
  install?: InstallLayout;
  /** How long an enrolled agent may take to reach the hub (default 60 s). */
  onlineTimeoutMs?: number;
}

export type HostOperation = 'enroll' | 'upgrade' | 'restart' | 'remove';

export interface HostStepEvent extends StepEvent {
  operation: HostOperation;
  hostId: string;
  hostName: string;
}

/** The body of `POST /api/v1/hosts` and the "Add host" form. */
export const enrollInputSchema = z.object({
  name: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"'),
  ssh: z.object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1).max(64),
    privateKey: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    passphrase: z.string().min(1).optional(),
    /** Pin a known key instead of trusting the first one seen. */
    hostKeyFingerprint: z.string().min(1).optional(),
  }),
  hubUrl: z.string().min(1).optional(),
});

export type EnrollInput = z.infer<typeof enrollInputSchema>;

/** Secrets as sealed on the record: one JSON value. */
interface SealedCredentials {
  privateKey?: string;
  password?: string;
  passphrase?: string;
}

/** A failed host operation: the library's error plus the steps it got through. */
export class HostOperationError extends Error {
  constructor(
    readonly hostError: HostError,
    readonly steps: StepEvent[],
  ) {
    super(hostError.message, { cause: hostError });
    this.name = 'HostOperationError';
  }
  /** HOST_ERROR_STATUS of the library's code. */
  get status(): number {
    return this.hostError.status;
  }
  get code(): string {
    return this.hostError.code;
  }
}

function box(hub: Hub): SecretBox {
  return SecretBox.fromKey(hub.secretKey);
}

/** apps/agent/dist/drydock.mjs, found by walking up from this module (sources or the hub's bundle). */
function defaultBundlePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'apps', 'agent', 'dist', 'drydock.mjs');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new ApiError('unavailable', 'the agent bundle is not built: run `npm run build -w @drydock/agent`');
    dir = parent;
  }
}

const bundlePath = (hub: Hub) => hub.hostAgents?.bundlePath ?? defaultBundlePath();

/** What the API shows of a host's SSH access: never a secret. */
export function sshView(s: { address: string; port: number; username: string; auth: string; hostKeyFingerprint: string | null; pendingFingerprint: string | null; hubUrl: string; mode: string | null; bundleVersion: string | null; lastOperation: string | null; lastSteps: unknown; updatedAt: Date }) {
  return {
    address: s.address,
    port: s.port,
    username: s.username,
    auth: s.auth as 'key' | 'password',
    hostKeyFingerprint: s.hostKeyFingerprint,
    pendingHostKeyFingerprint: s.pendingFingerprint,
    hubUrl: s.hubUrl,
    mode: s.mode,
    bundleVersion: s.bundleVersion,
    lastOperation: s.lastOperation,
    lastSteps: (s.lastSteps ?? []) as StepEvent[],
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** Steps of one operation: streamed to browsers and collected for the record and the audit. */
function stepRecorder(hub: Hub, operation: HostOperation, host: { id: string; name: string }) {
  const steps: StepEvent[] = [];
  const onStep = (e: StepEvent) => {
    if (e.status !== 'running') steps.push(e);
    hub.bus.emit('hostStep', { ...e, operation, hostId: host.id, hostName: host.name });
  };
  return { steps, onStep };
}

async function audit(hub: Hub, by: Principal, action: string, host: { id: string | null; name: string }, outcome: 'success' | 'failure' | 'denied', params: Record<string, unknown> = {}) {
  await appendAudit(hub.prisma, { actor: actorOf(by), actorName: by.email, action, hostId: host.id, hostName: host.name, target: host.name, params, outcome });
  hub.bus.emit('changed', { topic: 'audit' });
}

/** Refuses non-admins, auditing the refusal as the other admin actions do. */
async function requireAdmin(hub: Hub, by: Principal, action: string, host: { id: string | null; name: string }) {
  try {
    requireRole(by, 'admin');
  } catch (err) {
    await audit(hub, by, action, host, 'denied');
    throw err;
  }
}

/** Resolves once the host's agent is connected (this hub's bus, or the database for agents on other hub processes). */
function waitConnected(hub: Hub, hostId: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      hub.bus.off('changed', onChange);
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const check = () =>
      void hub.prisma.host.findUnique({ where: { id: hostId }, select: { connected: true } }).then(
        (h) => h?.connected && finish(),
        (err: Error) => finish(err),
      );
    const onChange = (e: { topic: string; hostId?: string }) => e.topic === 'hosts' && e.hostId === hostId && check();
    hub.bus.on('changed', onChange);
    const poll = setInterval(check, 2000);
    const timer = setTimeout(() => finish(new Error(`it did not connect within ${Math.round(timeoutMs / 1000)} s (is the hub URL reachable from the host?)`)), timeoutMs);
    check();
  });
}

/**
 * `POST /api/v1/hosts`: creates the host, installs its agent over SSH and waits until the
 * agent is online. Resolves to the host and its pinned key; throws `HostOperationError`
 * (with the library's code and HTTP status) when the host refused or failed.
 */
export async function enrollOverSsh(hub: Hub, by: Principal, input: EnrollInput) {
  await requireAdmin(hub, by, 'host.enroll', { id: null, name: input.name });
  if (await hub.prisma.host.findUnique({ where: { name: input.name } })) throw new ApiError('conflict', `a host named ${input.name} exists already`);
  if (!input.ssh.privateKey && !input.ssh.password) throw new ApiError('bad-request', 'ssh.privateKey or ssh.password is required');
  const hubUrl = (input.hubUrl ?? hub.agentUrl()).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(hubUrl)) throw new ApiError('bad-request', `hubUrl ${JSON.stringify(hubUrl)} must be an http(s) URL`);
  if (!input.hubUrl && isLoopback(new URL(hubUrl).hostname) && !isLoopback(input.ssh.host)) {
    throw new ApiError('bad-request', `the hub's own URL ${hubUrl} is a loopback address ${input.ssh.host} cannot reach: give hubUrl`);
  }
  const pinned = input.ssh.hostKeyFingerprint ? normalizeFingerprint(input.ssh.hostKeyFingerprint) : undefined;
  const bundle = bundlePath(hub);
  const secrets: SealedCredentials = {};
  if (input.ssh.privateKey) secrets.privateKey = input.ssh.privateKey;
  if (input.ssh.password) secrets.password = input.ssh.password;
  if (input.ssh.passphrase) secrets.passphrase = input.ssh.passphrase;

  const enrollToken = newToken('dde');
  const host = await hub.prisma.$transaction(async (tx) => {
    const h = await tx.host.create({ data: { name: input.name } });
    await tx.hostSsh.create({
      data: {
        hostId: h.id,
        address: input.ssh.host,
        port: input.ssh.port ?? 22,
        username: input.ssh.username,
        auth: secrets.privateKey ? 'key' : 'password',
        secretEnc: box(hub).seal(JSON.stringify(secrets), h.id),
        hostKeyFingerprint: pinned ?? null,
        hubUrl,
        lastOperation: 'enroll',
      },
    });
    await tx.hostToken.create({ data: { kind: 'enroll', tokenHash: hashToken(enrollToken), hostId: h.id, hostName: h.name } });
    return h;
  });
  hub.bus.emit('changed', { topic: 'hosts', hostId: host.id });
  const where = { host: input.ssh.host, port: input.ssh.port ?? 22, username: input.ssh.username, auth: secrets.privateKey ? 'key' : 'password' };
  const { steps, onStep } = stepRecorder(hub, 'enroll', host);
  try {
    const result = await installAgent(
      {
        ssh: credentials(input.ssh, secrets),
        ...(pinned ? { hostKeyFingerprint: pinned } : {}),
        hubUrl,
        enrollToken,
        bundlePath: bundle,
        ...(hub.hostAgents?.install ? { install: hub.hostAgents.install } : {}),
        waitOnline: () => waitConnected(hub, host.id, hub.hostAgents?.onlineTimeoutMs ?? 60_000),
      },
      onStep,
    );
    await hub.prisma.hostSsh.update({
      where: { hostId: host.id },
      data: { hostKeyFingerprint: result.hostKeyFingerprint, mode: result.mode, bundleVersion: result.bundleVersion, bundleSha256: result.bundleSha256, lastSteps: steps as object[] },
    });
    await audit(hub, by, 'host.enroll', host, 'success', { ssh: where, hubUrl, hostKeyFingerprint: result.hostKeyFingerprint, platform: result.platform, mode: result.mode, bundleVersion: result.bundleVersion, steps });
    const row = await hub.prisma.host.findUniqueOrThrow({ where: { id: host.id }, include: { ssh: true } });
    return { host: hostView(row), ssh: sshView(row.ssh!), steps };
  } catch (err) {
    // The library has undone what it installed; the record and its token go too.
    await hub.prisma.host.delete({ where: { id: host.id } }).catch(() => undefined);
    hub.bus.emit('changed', { topic: 'hosts', hostId: host.id });
    const message = err instanceof Error ? err.message : String(err);
    await audit(hub, by, 'host.enroll', { id: null, name: host.name }, 'failure', { ssh: where, hubUrl, error: message, code: err instanceof HostError ? err.code : null, steps });
    if (err instanceof HostError) throw new HostOperationError(err, steps);
    throw err;
  }
}

function isLoopback(host: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/i.test(host);
}

function credentials(ssh: { host: string; port?: number | undefined; username: string }, secrets: SealedCredentials): SshCredentials {
  return { host: ssh.host, port: ssh.port ?? 22, username: ssh.username, ...secrets };
}

/** The host and its SSH record, with the credentials opened for one operation. */
async function managed(hub: Hub, hostId: string) {
  const host = await hub.prisma.host.findUnique({ where: { id: hostId }, include: { ssh: true } });
  if (!host) throw new ApiError('not-found', `no host ${hostId}`);
  if (!host.ssh) throw new ApiError('bad-request', `host ${host.name} was not enrolled over SSH: the hub cannot manage its agent`);
  const ssh = host.ssh;
  if (!ssh.hostKeyFingerprint) throw new ApiError('conflict', `host ${host.name} has no pinned host key`);
  const secrets = JSON.parse(box(hub).open(ssh.secretEnc, host.id)) as SealedCredentials;
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
    await audit(hub, by, action, host, 'success', { ...auditParams(result), ...(recorder ? { steps } : {}) });
    return { result, steps };
  } catch (err) {
    if (err instanceof HostError && err.code === 'host-key-changed') {
      const seen = await scanHostKey({ host: ssh.address, port: ssh.port, timeoutMs: 10_000 }).catch(() => null);
      await hub.prisma.hostSsh.update({ where: { hostId: host.id }, data: { pendingFingerprint: seen } }).catch(() => undefined);
      hub.bus.emit('changed', { topic: 'hosts', hostId: host.id });
    }
    await keep();
    const message = err instanceof Error ? err.message : String(err);
    await audit(hub, by, action, host, 'failure', { error: message, code: err instanceof HostError ? err.code : null, ...(recorder ? { steps } : {}) });
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
  if (!host.ssh || opts.force) await audit(hub, by, 'host.remove', host, 'success', { revoked: true, ...(opts.force ? { force: true } : {}) });
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
    await audit(hub, by, 'host.key-accept', known, 'failure', { offered: wanted, seen });
    throw new ApiError('conflict', `${known.ssh.address}:${known.ssh.port} presents ${seen}, not ${wanted}: nothing accepted`);
  }
  const row = await hub.prisma.hostSsh.update({ where: { hostId }, data: { hostKeyFingerprint: seen, pendingFingerprint: null } });
  await audit(hub, by, 'host.key-accept', known, 'success', { from: known.ssh.hostKeyFingerprint, to: seen });
  hub.bus.emit('changed', { topic: 'hosts', hostId });
  return sshView(row);
}
