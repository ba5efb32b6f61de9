import { appendAudit, hashToken } from '@drydock/db';
import {
  AGENT_NAMESPACE,
  PROTOCOL_VERSION,
  handshakeAuthSchema,
  jobSpecSchema,
  parseAgentMessage,
  type AgentToHubEvents,
  type ConnectRefusal,
  type HubToAgentEvents,
  type JournalEntry,
} from '@drydock/protocol';
import type { Server } from 'socket.io';
import type { AgentDispatch, Hub } from '../hub.js';
import { enrollHost, hostForToken } from '../services/hosts.js';
import { applyInventoryDelta, replaceInventory } from '../services/inventory.js';
import { dispatchJob, recordJobEvent } from '../services/jobs.js';

interface AgentSocketData {
  hostId?: string;
  enrollToken?: string;
}

const room = (hostId: string) => `host:${hostId}`;

function refusal(code: ConnectRefusal['code'], message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } satisfies ConnectRefusal });
}

/** Jobs go to a host's room, so the adapter delivers them whichever hub process holds the agent. */
export function agentDispatch(io: Server): AgentDispatch {
  return {
    sendJob: (hostId, job) => void io.of(AGENT_NAMESPACE).to(room(hostId)).emit('job:start', job),
    disconnect: (hostId) => void io.of(AGENT_NAMESPACE).in(room(hostId)).disconnectSockets(true),
    cancelJob: (hostId, jobId) => void io.of(AGENT_NAMESPACE).to(room(hostId)).emit('job:cancel', { jobId }),
  };
}

/**
 * The `/agent` namespace (packages/protocol/README.md): token check in the
 * middleware, hello → host facts and ack, inventory, numbered job events with
 * acks, the host journal into the audit log. Each socket's messages are
 * handled one after another, in order.
 */
export function attachAgentNamespace(io: Server, hub: Hub, log: (line: string) => void = () => {}): void {
  const nsp = io.of(AGENT_NAMESPACE) as unknown as import('socket.io').Namespace<AgentToHubEvents, HubToAgentEvents, Record<string, never>, AgentSocketData>;

  nsp.use((socket, next) => {
    const auth = handshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!auth.success) return next(refusal('unauthorized', 'a host token or enrollment token is required'));
    const version = auth.data.protocolVersion;
    if (version !== undefined && version !== PROTOCOL_VERSION) {
      return next(refusal('version-unsupported', `this hub speaks protocol ${PROTOCOL_VERSION}, the agent ${version}`));
    }
    if ('enrollToken' in auth.data) {
      const enrollToken = auth.data.enrollToken;
      // Checked here so a spent token is refused at connect (the agent stops); claimed in hello.
      hub.prisma.hostToken.findUnique({ where: { tokenHash: hashToken(enrollToken) } }).then(
        (row) => {
          if (!row || row.kind !== 'enroll' || row.usedAt) return next(refusal('enroll-token-used', 'this enrollment token is unknown or already used'));
          socket.data.enrollToken = enrollToken;
          next();
        },
        (err: Error) => next(err),
      );
      return;
    }
    hostForToken(hub.prisma, auth.data.token).then(
      (host) => {
        if (!host) return next(refusal('unauthorized', 'unknown host token'));
        socket.data.hostId = host.id;
        next();
      },
      (err: Error) => next(err),
    );
  });

  nsp.on('connection', (socket) => {
    let queue: Promise<unknown> = Promise.resolve();
    const serial = (what: string, fn: () => Promise<unknown>) => {
      queue = queue.then(fn).catch((err: Error) => log(`agent ${socket.data.hostId ?? '?'}: ${what}: ${err.message}`));
    };

    socket.on('hello', (payload, ack) =>
      serial('hello', async () => {
        const hello = parseAgentMessage('hello', payload);
        if (!hello.ok) return void socket.disconnect(true);
        if (hello.value.protocolVersion !== PROTOCOL_VERSION) return void socket.disconnect(true);
        let token: string | undefined;
        if (!socket.data.hostId && socket.data.enrollToken) {
          const enrolled = await enrollHost(hub.prisma, socket.data.enrollToken, hello.value.facts);
          if (!enrolled) return void socket.disconnect(true);
          socket.data.hostId = enrolled.hostId;
          token = enrolled.token;
        }
        const hostId = socket.data.hostId;
        if (!hostId) return void socket.disconnect(true);
        const host = await hub.prisma.host.update({
          where: { id: hostId },
          data: { facts: hello.value.facts as object, agentVersion: hello.value.agentVersion, connected: true, lastSeenAt: new Date() },
        });
        if (token) {
          await appendAudit(hub.prisma, { actor: `agent:${host.name}`, action: 'host.enroll', hostId, hostName: host.name, params: { facts: hello.value.facts }, outcome: 'success' });
          hub.bus.emit('changed', { topic: 'audit' });
        }
        await socket.join(room(hostId));
        if (typeof ack === 'function') ack({ hostId, protocolVersion: PROTOCOL_VERSION, journalSeq: host.journalSeq, ...(token ? { token } : {}) });
        hub.bus.emit('changed', { topic: 'hosts', hostId });
        // Jobs the agent has not heard of (queued while it was away, or lost in flight).
        const running = new Set(hello.value.runningJobs);
        const pending = await hub.prisma.job.findMany({ where: { hostId, status: { in: ['queued', 'running'] }, lastSeq: 0 }, orderBy: { createdAt: 'asc' } });
        for (const job of pending) {
          if (running.has(job.id)) continue;
          const spec = jobSpecSchema.safeParse(restoreSpec(hub, job.id, job.spec));
          if (spec.success) await dispatchJob(hub, job, spec.data);
        }
      }),
    );

    socket.on('inventory:full', (payload) =>
      serial('inventory', async () => {
        const hostId = socket.data.hostId;
        const inv = parseAgentMessage('inventory:full', payload);
        if (!hostId || !inv.ok) return;
        await replaceInventory(hub.prisma, hostId, inv.value);
        hub.bus.emit('changed', { topic: 'inventory', hostId });
      }),
    );

    // Fresh disk use for the hosts page (hello's facts are as old as the connection).
    socket.on('host:status', (payload) =>
      serial('host status', async () => {
        const hostId = socket.data.hostId;
        const st = parseAgentMessage('host:status', payload);
        if (!hostId || !st.ok) return;
        const host = await hub.prisma.host.findUniqueOrThrow({ where: { id: hostId }, select: { facts: true } });
        await hub.prisma.host.update({ where: { id: hostId }, data: { facts: { ...(host.facts as object), disk: st.value.disk }, lastSeenAt: new Date() } });
        hub.bus.emit('changed', { topic: 'hosts', hostId });
      }),
    );

    socket.on('inventory:delta', (payload) =>
      serial('inventory delta', async () => {
        const hostId = socket.data.hostId;
        const d = parseAgentMessage('inventory:delta', payload);
        if (!hostId || !d.ok) return;
        await applyInventoryDelta(hub.prisma, hostId, d.value);
        hub.bus.emit('changed', { topic: 'inventory', hostId });
      }),
    );

    socket.on('job:events', (payload) =>
      serial('job events', async () => {
        const hostId = socket.data.hostId;
        const batch = parseAgentMessage('job:events', payload);
        if (!hostId || !batch.ok) return;
        const acked = new Map<string, number>();
        for (const env of batch.value.events) {
          await recordJobEvent(hub, hostId, env);
          acked.set(env.jobId, Math.max(acked.get(env.jobId) ?? 0, env.seq));
        }
        for (const [jobId, seq] of acked) socket.emit('job:ack', { jobId, seq });
      }),
    );

    socket.on('journal', (payload) =>
      serial('journal', async () => {
        const hostId = socket.data.hostId;
        const batch = parseAgentMessage('journal', payload);
        if (!hostId || !batch.ok) return;
        const host = await hub.prisma.host.findUniqueOrThrow({ where: { id: hostId } });
        let last = host.journalSeq;
        for (const entry of batch.value.entries) {
          if (entry.seq <= last) continue;
          await appendAudit(hub.prisma, journalAudit(entry, host));
          last = entry.seq;
        }
        await hub.prisma.host.update({ where: { id: hostId }, data: { journalSeq: last } });
        socket.emit('journal:ack', { seq: last });
        hub.bus.emit('changed', { topic: 'audit' });
      }),
    );

    socket.on('disconnect', () =>
      serial('disconnect', async () => {
        const hostId = socket.data.hostId;
        if (!hostId) return;
        // Another connection of the same host may have taken over meanwhile.
        const others = await nsp.in(room(hostId)).fetchSockets();
        if (others.length > 0) return;
        await hub.prisma.host.update({ where: { id: hostId }, data: { connected: false, lastSeenAt: new Date() } });
        hub.bus.emit('changed', { topic: 'hosts', hostId });
      }),
    );
  });
}

/** A stored spec is the sent one minus headers; the upload URL is recomputed for a re-send. */
function restoreSpec(hub: Hub, jobId: string, spec: unknown): unknown {
  const s = spec as { kind?: string; context?: { kind: string; url?: string } };
  if (s.kind === 'image.build' && s.context?.kind === 'url') return { ...s, context: { kind: 'url', url: `${hub.agentUrl()}/api/agent/uploads/${jobId}` } };
  return spec;
}

function journalAudit(entry: JournalEntry, host: { id: string; name: string }) {
  return {
    actor: entry.actor,
    action: entry.action,
    hostId: host.id,
    hostName: host.name,
    target: entry.target,
    digest: entry.digest,
    params: { ...entry.detail, journalSeq: entry.seq },
    outcome: 'success',
    createdAt: new Date(entry.timeMs),
  };
}
