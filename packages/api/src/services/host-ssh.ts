/**
 * What the hub's SSH host operations share (host-enrollment.ts, host-agents.ts): the config,
 * step streaming, the sealed credentials, audit rows and the error that carries the steps.
 *
 * - Credentials are sealed with the hub's key (the one sealing registry passwords) and bound
 *   to the host id; they are opened only to connect and never returned, logged or audited.
 * - Each step goes to browsers as a `hostStep` bus event (the /ui namespace forwards it as
 *   `host:step`) and is kept on the record; each operation is audited.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendAudit } from '@drydock/db';
import { SecretBox, type HostError, type InstallLayout, type SshCredentials, type StepEvent } from '@drydock/hosts';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
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
/** Secrets as sealed on the record: one JSON value. */
export interface SealedCredentials {
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

/** The hub's one sealing key, as SecretBox. */
export function sealer(hub: Hub): SecretBox {
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

export const bundlePath = (hub: Hub) => hub.hostAgents?.bundlePath ?? defaultBundlePath();

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
export function stepRecorder(hub: Hub, operation: HostOperation, host: { id: string; name: string }) {
  const steps: StepEvent[] = [];
  const onStep = (e: StepEvent) => {
    if (e.status !== 'running') steps.push(e);
    hub.bus.emit('hostStep', { ...e, operation, hostId: host.id, hostName: host.name });
  };
  return { steps, onStep };
}

export async function auditHostAction(hub: Hub, by: Principal, action: string, host: { id: string | null; name: string }, outcome: 'success' | 'failure' | 'denied', params: Record<string, unknown> = {}) {
  await appendAudit(hub.prisma, { actor: actorOf(by), actorName: by.email, action, hostId: host.id, hostName: host.name, target: host.name, params, outcome });
  hub.bus.emit('changed', { topic: 'audit' });
}

/** Refuses non-admins, auditing the refusal as the other admin actions do. */
export async function requireAdmin(hub: Hub, by: Principal, action: string, host: { id: string | null; name: string }) {
  try {
    requireRole(by, 'admin');
  } catch (err) {
    await auditHostAction(hub, by, action, host, 'denied');
    throw err;
  }
}

export function credentials(ssh: { host: string; port?: number | undefined; username: string }, secrets: SealedCredentials): SshCredentials {
  return { host: ssh.host, port: ssh.port ?? 22, username: ssh.username, ...secrets };
}
