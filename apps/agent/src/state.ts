import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobEvent, JobEventEnvelope } from '@drydock/protocol';

type Db = InstanceType<typeof Database>;

/**
 * The agent's own state, in `<stateDir>/agent.db` (SQLite, WAL): the outbox of
 * job events the hub has not acknowledged, the jobs it has seen (so a re-sent
 * job runs once), and small values (the journal cursor). Every event is
 * committed before it is sent, so a killed agent or hub loses none.
 */
export class AgentState {
  private readonly db: Db;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dir, 'agent.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0, finished INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS outbox (job_id TEXT NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (job_id, seq));
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  /** Records a new job; false when this id was seen before (the hub re-sent it). */
  addJob(id: string, kind: string): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO jobs (id, kind) VALUES (?, ?)').run(id, kind).changes === 1;
  }

  /** Jobs begun and not finished: after a restart, those a dead agent left behind. */
  unfinishedJobs(): string[] {
    return (this.db.prepare('SELECT id FROM jobs WHERE finished = 0 ORDER BY rowid').all() as { id: string }[]).map((r) => r.id);
  }

  /** Numbers and stores one event (a final `done`/`failed` finishes the job), in one transaction. */
  append(jobId: string, event: JobEvent, timeMs = Date.now()): JobEventEnvelope {
    return this.db.transaction((): JobEventEnvelope => {
      const row = this.db.prepare('UPDATE jobs SET last_seq = last_seq + 1, finished = ? WHERE id = ? RETURNING last_seq').get(isFinal(event) ? 1 : 0, jobId) as
        | { last_seq: number }
        | undefined;
      if (!row) throw new Error(`unknown job ${jobId}`);
      this.db.prepare('INSERT INTO outbox (job_id, seq, time_ms, event) VALUES (?, ?, ?, ?)').run(jobId, row.last_seq, timeMs, JSON.stringify(event));
      return { jobId, seq: row.last_seq, timeMs, event };
    })();
  }

  /** Unacknowledged events in the order they were made, a page at a time (all of them by default). */
  pending(limit = Number.MAX_SAFE_INTEGER): JobEventEnvelope[] {
    return [...this.pendingPages(limit)].flat().slice(0, limit);
  }

  /** Pages of unacknowledged events, oldest first: a long backlog is read a page at a time. */
  *pendingPages(pageSize = 500): Generator<JobEventEnvelope[]> {
    let after = 0;
    const page = this.db.prepare('SELECT rowid, job_id, seq, time_ms, event FROM outbox WHERE rowid > ? ORDER BY rowid LIMIT ?');
    for (;;) {
      const rows = page.all(after, pageSize) as { rowid: number; job_id: string; seq: number; time_ms: number; event: string }[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.rowid;
      yield rows.map((r) => ({ jobId: r.job_id, seq: r.seq, timeMs: r.time_ms, event: JSON.parse(r.event) as JobEvent }));
    }
  }

  /** The hub stored every event of `jobId` up to `seq`. */
  ack(jobId: string, seq: number): void {
    this.db.prepare('DELETE FROM outbox WHERE job_id = ? AND seq <= ?').run(jobId, seq);
  }

  get(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  close(): void {
    this.db.close();
  }
}

function isFinal(event: JobEvent): boolean {
  return event.type === 'done' || event.type === 'failed';
}
