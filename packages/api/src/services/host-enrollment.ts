/**
 * `POST /api/v1/hosts` (issue 7): a host from SSH credentials, with its agent installed and
 * online. The host record and a one-time enrollment token bound to it are created first; the
 * agent trades the token on its first connect (services/hosts.ts `enrollHost`) and the host
 * goes online. A failed enrollment is rolled back on the host by @drydock/hosts and here by
 * deleting the record (with its token), so nothing half-done remains. The host key is trusted
 * on first contact (or the one given) and pinned.
 */
import { hashToken, newToken } from '@drydock/db';
import { enrollHost as installAgent, HostError, normalizeFingerprint } from '@drydock/hosts';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { auditHostAction, bundlePath, credentials, HostOperationError, requireAdmin, sealer, sshView, stepRecorder, type SealedCredentials } from './host-ssh.js';
import { hostView } from './hosts.js';
import type { Principal } from './principal.js';

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
        secretEnc: sealer(hub).seal(JSON.stringify(secrets), h.id),
        hostKeyFingerprint: pinned ?? null,
        hubUrl,
        lastOperation: 'enroll',
      },
    });
    await tx.hostToken.create({ data: { kind: 'enroll', tokenHash: hashToken(enrollToken), hostId: h.id, hostName: h.name } });
    return h;
  }).catch((err: unknown) => {
    // Two requests for one name: the unique index decides.
    if ((err as { code?: string }).code === 'P2002') throw new ApiError('conflict', `a host named ${input.name} exists already`);
    throw err;
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
    await auditHostAction(hub, by, 'host.enroll', host, 'success', { ssh: where, hubUrl, hostKeyFingerprint: result.hostKeyFingerprint, platform: result.platform, mode: result.mode, bundleVersion: result.bundleVersion, steps });
    const row = await hub.prisma.host.findUniqueOrThrow({ where: { id: host.id }, include: { ssh: true } });
    return { host: hostView(row), ssh: sshView(row.ssh!), steps };
  } catch (err) {
    // The library has undone what it installed; the record and its token go too.
    await hub.prisma.host.delete({ where: { id: host.id } }).catch(() => undefined);
    hub.bus.emit('changed', { topic: 'hosts', hostId: host.id });
    const message = err instanceof Error ? err.message : String(err);
    await auditHostAction(hub, by, 'host.enroll', { id: null, name: host.name }, 'failure', { ssh: where, hubUrl, error: message, code: err instanceof HostError ? err.code : null, steps });
    if (err instanceof HostError) throw new HostOperationError(err, steps);
    throw err;
  }
}

function isLoopback(host: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/i.test(host);
}
