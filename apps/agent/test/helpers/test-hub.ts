import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace, type Socket } from 'socket.io';
import {
  AGENT_NAMESPACE,
  PROTOCOL_VERSION,
  handshakeAuthSchema,
  parseAgentMessage,
  type AgentToHubEvent,
  type AgentToHubEvents,
  type ContainerSummary,
  type Hello,
  type HostStatus,
  type HubToAgentEvents,
  type ImageSummary,
  type JobEventEnvelope,
  type JobSpecInput,
  type JournalEntry,
} from '@drydock/protocol';

/**
 * A stand-in for the hub's `/agent` namespace: a real socket.io server that
 * stores what it receives the way the hub's database would (events per job
 * without gaps, the journal, the inventory) and survives its own restarts
 * like a database does. Every message is checked against the protocol.
 */
export class TestHub {
  port = 0;
  private http: HttpServer | undefined;
  private io: Server | undefined;
  private socket: Socket<AgentToHubEvents, HubToAgentEvents> | undefined;
  readonly hostToken = 'host-token-1';
  readonly enrollTokens = new Set(['enroll-1']);
  readonly events = new Map<string, JobEventEnvelope[]>();
  readonly problems: string[] = [];
  readonly journal: JournalEntry[] = [];
  readonly hellos: Hello[] = [];
  readonly images = new Map<string, ImageSummary>();
  readonly containers = new Map<string, ContainerSummary>();
  /** How many hellos to answer by disconnecting the agent (a hub that kicks it out). */
  kickHellos = 0;
  readonly statuses: HostStatus[] = [];
  readonly execOutput = new Map<string, Buffer>();
  fullInventories = 0;
  /** When set, every connection is refused with this ConnectRefusal. */
  refuseWith: { code: string; message: string } | undefined;
  deltas = 0;
  /** Called for each new event before it is stored; returning 'crash' drops it and stops the hub (a crash before the write). */
  beforeStore: (e: JobEventEnvelope) => 'store' | 'crash' = () => 'store';
  private crashed: Promise<void> | undefined;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.crashed = undefined;
    this.http = createServer();
    this.io = new Server(this.http);
    this.wire(this.io.of(AGENT_NAMESPACE));
    await new Promise<void>((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.http.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const io = this.io;
    this.io = undefined;
    this.socket = undefined;
    if (io) await new Promise<void>((resolve) => io.close(() => resolve()));
  }

  /** Resolves when a crash requested by beforeStore has stopped the hub. */
  whenCrashed(): Promise<void> | undefined {
    return this.crashed;
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  sendJob(jobId: string, spec: JobSpecInput, actor = 'user:test@example.com'): void {
    if (!this.socket) throw new Error('no agent connected');
    this.socket.emit('job:start', { jobId, actor, spec } as never);
  }

  execInput(jobId: string, text: string): void {
    this.socket?.emit('exec:input', { jobId, data: Buffer.from(text) });
  }

  cancel(jobId: string): void {
    this.socket?.emit('job:cancel', { jobId });
  }

  execResize(jobId: string, cols: number, rows: number): void {
    this.socket?.emit('exec:resize', { jobId, cols, rows });
  }

  jobEvents(jobId: string): JobEventEnvelope[] {
    return this.events.get(jobId) ?? [];
  }

  finished(jobId: string): JobEventEnvelope | undefined {
    return this.jobEvents(jobId).find((e) => e.event.type === 'done' || e.event.type === 'failed');
  }

  private wire(ns: Namespace<AgentToHubEvents, HubToAgentEvents>): void {
    ns.use((socket, next) => {
      if (this.refuseWith) return next(Object.assign(new Error(this.refuseWith.message), { data: this.refuseWith }));
      const auth = handshakeAuthSchema.safeParse(socket.handshake.auth);
      if (auth.success && auth.data.protocolVersion !== PROTOCOL_VERSION) {
        return next(Object.assign(new Error('version'), { data: { code: 'version-unsupported', message: `protocol ${auth.data.protocolVersion} is not spoken here` } }));
      }
      const ok = auth.success && ('token' in auth.data ? auth.data.token === this.hostToken : this.enrollTokens.has(auth.data.enrollToken));
      if (ok) return next();
      next(Object.assign(new Error('unauthorized'), { data: { code: 'unauthorized', message: 'unknown token' } }));
    });
    ns.on('connection', (socket) => {
      this.socket = socket;
      const auth = socket.handshake.auth as { token?: string; enrollToken?: string };
      socket.on('hello', (payload, ack) => {
        const hello = this.check('hello', payload);
        if (!hello) return;
        this.hellos.push(hello);
        if (this.kickHellos > 0) {
          this.kickHellos--;
          return void socket.disconnect(true);
        }
        let token: string | undefined;
        if (auth.enrollToken) {
          this.enrollTokens.delete(auth.enrollToken);
          token = this.hostToken;
        }
        const journalSeq = this.journal.at(-1)?.seq ?? 0;
        ack({ hostId: 'host-1', protocolVersion: PROTOCOL_VERSION, journalSeq, ...(token ? { token } : {}) });
      });
      socket.on('job:events', (payload) => {
        const batch = this.check('job:events', payload);
        if (!batch || this.crashed) return;
        const acks = new Map<string, number>();
        for (const e of batch.events) {
          const stored = this.events.get(e.jobId) ?? [];
          const last = stored.at(-1)?.seq ?? 0;
          if (e.seq <= last) continue; // a re-send of what is stored
          if (e.seq !== last + 1) this.problems.push(`gap in ${e.jobId}: ${last} then ${e.seq}`);
          if (this.beforeStore(e) === 'crash') {
            this.crashed = this.stop();
            return;
          }
          stored.push(e);
          this.events.set(e.jobId, stored);
          acks.set(e.jobId, e.seq);
        }
        for (const [jobId, seq] of acks) socket.emit('job:ack', { jobId, seq });
      });
      socket.on('exec:output', (payload) => {
        const out = this.check('exec:output', payload);
        if (out) this.execOutput.set(out.jobId, Buffer.concat([this.execOutput.get(out.jobId) ?? Buffer.alloc(0), out.data]));
      });
      socket.on('journal', (payload) => {
        const batch = this.check('journal', payload);
        if (!batch) return;
        for (const e of batch.entries) {
          const last = this.journal.at(-1)?.seq ?? 0;
          if (e.seq <= last) continue;
          this.journal.push(e);
        }
        socket.emit('journal:ack', { seq: this.journal.at(-1)?.seq ?? 0 });
      });
      socket.on('inventory:full', (payload) => {
        const inv = this.check('inventory:full', payload);
        if (!inv) return;
        this.fullInventories++;
        this.images.clear();
        this.containers.clear();
        for (const i of inv.images) this.images.set(i.id, i);
        for (const c of inv.containers) this.containers.set(c.id, c);
      });
      socket.on('host:status', (payload) => {
        const status = this.check('host:status', payload);
        if (status) this.statuses.push(status);
      });
      socket.on('inventory:delta', (payload) => {
        const d = this.check('inventory:delta', payload);
        if (!d) return;
        this.deltas++;
        for (const i of d.images.upsert) this.images.set(i.id, i);
        for (const id of d.images.remove) this.images.delete(id);
        for (const c of d.containers.upsert) this.containers.set(c.id, c);
        for (const id of d.containers.remove) this.containers.delete(id);
      });
    });
  }

  private check<K extends AgentToHubEvent>(name: K, payload: unknown) {
    const r = parseAgentMessage(name, payload);
    if (r.ok) return r.value;
    this.problems.push(r.error);
    return undefined;
  }
}

/** Polls `condition` every 20 ms until it holds; throws with `what` after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
