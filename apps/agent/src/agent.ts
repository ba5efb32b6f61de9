import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { DrydockError, Engine, type distribution } from '@drydock/engine';
import {
  AGENT_NAMESPACE,
  CANCELLABLE_JOB_KINDS,
  PROTOCOL_VERSION,
  SESSION_JOB_KINDS,
  connectRefusalSchema,
  helloAckSchema,
  parseHubMessage,
  type AgentToHubEvents,
  type HubToAgentEvents,
  type HostFacts,
  type HostStatus,
  type InventoryFull,
  type JobEventEnvelope,
  type JobStart,
} from '@drydock/protocol';
import { diskOf, hostFacts, statusMoved } from './facts.js';
import { answerImageQuery } from './image-query.js';
import { inventoryDelta, readInventory } from './inventory.js';
import type { Terminal } from './exec-terminal.js';
import { runJob } from './run-job.js';
import { AgentState } from './state.js';

export interface AgentOptions {
  /** The hub's base URL (`http://hub:3000`); the agent connects to its `/agent` namespace. */
  hubUrl: string;
  /** This host's per-host token. Without one, the token stored at enrollment is used. */
  token?: string;
  /** A one-time enrollment token, traded for a per-host token on the first connection. */
  enrollToken?: string;
  /** The engine's state root: the same DRYDOCK_ROOT as the CLI on this host. */
  root: string;
  /** Where the agent keeps its outbox and token (default `<root>/agent`). */
  stateDir?: string;
  /** How to run the drydock CLI here (`node drydock.mjs`): container supervisors and exec terminals use it. */
  cli?: { command: string; args: string[] };
  /** How the engine reaches registries for pull and push jobs (the CLI passes the host's Docker config). */
  registry?: () => Promise<distribution.RegistryOptions>;
  /** How often the journal is polled for work done with the CLI (default 500 ms). */
  pollMs?: number;
  /** How often the inventory is re-read when the journal is quiet (container states change too; default 5 s). */
  inventoryMs?: number;
  agentVersion?: string;
  /** Status lines (connected, disconnected, refused): the CLI prints them. */
  log?: (line: string) => void;
}

export interface Agent {
  /** The hub's id for this host, once a hello was answered. */
  readonly hostId: string | undefined;
  /** Whether the hub has answered this connection's hello. */
  readonly ready: boolean;
  /** Resolves when the agent stops for good: closed, or refused by the hub (rejects with why). */
  readonly stopped: Promise<void>;
  /** Disconnects, waits for running jobs (their events stay on disk), and releases the store. */
  close(): Promise<void>;
}

const BATCH = 500;
const FATAL_REFUSALS = new Set(['version-unsupported', 'enroll-token-used']);

/**
 * Connects this host to a hub and keeps it connected (socket.io reconnects
 * with backoff). See packages/protocol/README.md for the message flow.
 */
export function startAgent(opts: AgentOptions): Agent {
  const log = opts.log ?? (() => {});
  const state = new AgentState(stateDirOf(opts));
  const token = () => opts.token ?? state.get('token');
  if (!token() && !opts.enrollToken) {
    state.close();
    throw new DrydockError('invalid-argument', 'this host is not enrolled: give a per-host token or an enrollment token');
  }
  const engine = Engine.open({ root: opts.root });
  const running = new Map<string, Promise<void>>();
  const terminals = new Map<string, Terminal>();
  const aborts = new Map<string, { abort: AbortController; kind: string }>();
  let hostId = state.get('host.id');
  let ready = false;
  let closing = false;
  let journalCursor = 0;
  let inventory: InventoryFull | undefined;
  let status: HostStatus | undefined;
  let lastInventoryMs = 0;
  let polling = false;
  let outgoing: JobEventEnvelope[] = [];
  let stop!: { resolve: () => void; reject: (e: Error) => void };
  const stopped = new Promise<void>((resolve, reject) => (stop = { resolve, reject }));
  stopped.catch(() => {}); // a caller that never awaits it must not crash the process

  const auth = () => {
    const t = token();
    return t ? { token: t, protocolVersion: PROTOCOL_VERSION } : { enrollToken: opts.enrollToken!, protocolVersion: PROTOCOL_VERSION };
  };

  // Jobs a previous agent process left running end as failed; their earlier events are still in the outbox.
  for (const id of state.unfinishedJobs()) {
    state.append(id, { type: 'failed', code: 'interrupted', message: 'the agent stopped while this job ran', step: null });
  }

  const socket: Socket<HubToAgentEvents, AgentToHubEvents> = io(new URL(AGENT_NAMESPACE, opts.hubUrl).href, {
    auth: (cb) => cb(auth()),
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });

  const send = (events: JobEventEnvelope[]) => {
    for (let i = 0; i < events.length; i += BATCH) socket.emit('job:events', { events: events.slice(i, i + BATCH) });
  };
  const queue = (e: JobEventEnvelope) => {
    if (!ready) return; // on disk: sent from the outbox after the next hello
    if (outgoing.push(e) === 1) {
      setImmediate(() => {
        const batch = outgoing;
        outgoing = [];
        if (ready) send(batch);
      });
    }
  };

  // Host facts do not change while the agent runs (its runtime is probed by running it): read once; disk use is fresh each hello.
  let facts: HostFacts | undefined;
  socket.on('connect', () => {
    facts ??= hostFacts(opts.root);
    const hello = { protocolVersion: PROTOCOL_VERSION, agentVersion: opts.agentVersion ?? '0.1.0', facts: { ...facts, disk: diskOf(opts.root) }, runningJobs: [...running.keys()] };
    socket.timeout(30_000).emit('hello', hello, (err, answer) => {
      if (err) {
        // No answer in time on a live connection: start over. (A dropped one reconnects by itself.)
        if (socket.connected) socket.disconnect().connect();
        return;
      }
      const ack = helloAckSchema.safeParse(answer);
      if (!ack.success) return void fail(new Error('the hub answered hello with a malformed ack'));
      if (ack.data.token) state.set('token', ack.data.token);
      hostId = ack.data.hostId;
      state.set('host.id', hostId);
      journalCursor = ack.data.journalSeq;
      outgoing = [];
      ready = true;
      retryMs = 500;
      log(`connected to ${opts.hubUrl} as host ${hostId}`);
      void resync();
    });
  });

  let retryMs = 500;
  /** socket.io gives up after a refusal or a disconnect by the hub itself: we retry, with backoff. */
  const retry = () => {
    if (socket.active || closing) return;
    setTimeout(() => !closing && !socket.connected && socket.connect(), retryMs).unref();
    retryMs = Math.min(retryMs * 2, 10_000);
  };

  socket.on('disconnect', (reason) => {
    ready = false;
    if (closing) return;
    log(`disconnected from the hub (${reason}); reconnecting`);
    if (reason === 'io server disconnect') retry();
  });

  socket.on('connect_error', (err: Error & { data?: unknown }) => {
    const refusal = connectRefusalSchema.safeParse(err.data);
    if (refusal.success && FATAL_REFUSALS.has(refusal.data.code)) return fail(new Error(`the hub refused this agent: ${refusal.data.message}`));
    log(`cannot connect to ${opts.hubUrl}: ${refusal.success ? refusal.data.message : err.message}`);
    retry();
  });

  socket.on('job:start', (payload) => {
    const msg = parseHubMessage('job:start', payload);
    if (!msg.ok) return log(msg.error);
    start(msg.value);
  });
  socket.on('job:ack', (payload) => {
    const msg = parseHubMessage('job:ack', payload);
    if (msg.ok) state.ack(msg.value.jobId, msg.value.seq);
  });
  socket.on('job:cancel', (payload) => {
    const msg = parseHubMessage('job:cancel', payload);
    if (!msg.ok) return;
    const cancellable = aborts.get(msg.value.jobId);
    if (cancellable) cancellable.abort.abort();
    else if (running.has(msg.value.jobId)) log(`job ${msg.value.jobId} cannot be cancelled midway: it runs to its end`);
  });
  socket.on('exec:input', (payload) => {
    const msg = parseHubMessage('exec:input', payload);
    if (msg.ok) terminals.get(msg.value.jobId)?.write(msg.value.data);
  });
  socket.on('exec:resize', (payload) => {
    const msg = parseHubMessage('exec:resize', payload);
    if (msg.ok) terminals.get(msg.value.jobId)?.resize(msg.value.cols, msg.value.rows);
  });
  socket.on('image:query', (payload, ack) => {
    const msg = parseHubMessage('image:query', payload);
    if (typeof ack !== 'function') return;
    ack(msg.ok ? answerImageQuery(engine, msg.value) : { ok: false, code: 'invalid-argument', message: msg.error });
  });
  const output = (jobId: string, data: Buffer) => {
    if (ready) socket.emit('exec:output', { jobId, data });
  };

  function start(job: JobStart): void {
    if (!state.addJob(job.jobId, job.spec.kind)) return; // seen before: its events are in the outbox or acked
    const deps = { engine, root: opts.root, token, terminals, output, ...(opts.cli ? { cli: opts.cli } : {}), ...(opts.registry ? { registry: opts.registry } : {}) };
    const abort = new AbortController();
    if (CANCELLABLE_JOB_KINDS.has(job.spec.kind)) aborts.set(job.jobId, { abort, kind: job.spec.kind });
    const done = runJob(deps, job, (event) => queue(state.append(job.jobId, event)), abort.signal).finally(() => {
      running.delete(job.jobId);
      aborts.delete(job.jobId);
    });
    running.set(job.jobId, done);
  }

  /** After each hello: the whole inventory, every unacked event, the journal after the hub's cursor. */
  async function resync(): Promise<void> {
    for (const page of state.pendingPages(BATCH)) socket.emit('job:events', { events: page });
    inventory = undefined;
    status = undefined;
    await poll();
  }

  /** Ships new journal entries and, when something may have changed, an inventory delta. */
  async function poll(): Promise<void> {
    if (!ready || polling) return;
    polling = true;
    try {
      // A long backlog (a first connection) goes in pages of 1,000, a few pages per tick.
      let shipped = 0;
      for (let page = 0; page < 20; page++) {
        const entries = engine.journal.since(journalCursor, 1000);
        if (entries.length === 0) break;
        socket.emit('journal', { entries });
        journalCursor = entries[entries.length - 1]!.seq;
        shipped += entries.length;
        if (entries.length < 1000) break;
      }
      const due = Date.now() - lastInventoryMs >= (opts.inventoryMs ?? 5000);
      if (inventory === undefined || shipped > 0 || due) {
        const now = await readInventory(engine);
        lastInventoryMs = Date.now();
        if (!ready) return;
        const delta = inventory === undefined ? undefined : inventoryDelta(inventory, now);
        if (inventory === undefined) socket.emit('inventory:full', now);
        else if (delta) socket.emit('inventory:delta', delta);
        // The images' total size is read from the store only when the image list moved.
        const imagesMoved = inventory === undefined || status === undefined || (delta != null && delta.images.upsert.length + delta.images.remove.length > 0);
        inventory = now;
        const images = imagesMoved ? imageUsage(engine) : status!.images;
        const current = { disk: diskOf(opts.root), images };
        if (statusMoved(status, current)) socket.emit('host:status', current);
        status = current;
      }
    } catch (err) {
      log(`cannot read the store: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      polling = false;
    }
  }
  const timer = setInterval(() => void poll(), opts.pollMs ?? 500);

  function fail(err: Error): void {
    void shutdown().then(() => stop.reject(err));
  }

  let shutdownOnce: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    return (shutdownOnce ??= (async () => {
      closing = true;
      ready = false;
      clearInterval(timer);
      socket.close();
      // Exec sessions and followed logs never end by themselves; other jobs run to their end (their events stay on disk).
      for (const { abort, kind } of aborts.values()) if (SESSION_JOB_KINDS.has(kind)) abort.abort();
      await Promise.allSettled(running.values());
      while (polling) await new Promise((r) => setTimeout(r, 10));
      state.close();
      engine.close();
    })());
  }

  return {
    get hostId() {
      return hostId;
    },
    get ready() {
      return ready;
    },
    stopped,
    close: () => shutdown().then(() => stop.resolve()),
  };
}

function stateDirOf(opts: Pick<AgentOptions, 'root' | 'stateDir'>): string {
  return opts.stateDir ?? join(opts.root, 'agent');
}

/** Whether this host was enrolled before (a per-host token is stored in its state dir). */
export function hasStoredToken(root: string, stateDir?: string): boolean {
  const dir = stateDirOf({ root, ...(stateDir !== undefined ? { stateDir } : {}) });
  if (!existsSync(join(dir, 'agent.db'))) return false;
  const state = new AgentState(dir);
  try {
    return state.get('token') !== undefined;
  } finally {
    state.close();
  }
}

/** How many images the store holds and their size, as the hosts page shows them. */
function imageUsage(engine: Engine): HostStatus['images'] {
  const usage = engine.imageUsage();
  return { count: usage.total, bytes: usage.size };
}
