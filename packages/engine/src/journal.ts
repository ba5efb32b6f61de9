import type { Db } from './store/database.js';

export interface JournalEntry {
  seq: number;
  timeMs: number;
  actor: string;
  action: string;
  target: string | null;
  digest: string | null;
  detail: Record<string, unknown>;
}

/**
 * The local, append-only record of what was done to this host's store
 * (`image.import`, `image.tag`, `image.rm`, …) and by whom. The agent ships
 * it to the hub so work done with the CLI is audited too.
 */
export class Journal {
  constructor(private readonly db: Db) {}

  append(entry: { actor: string; action: string; target?: string; digest?: string; detail?: Record<string, unknown> }): void {
    this.db
      .prepare('INSERT INTO journal (time_ms, actor, action, target, digest, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(Date.now(), entry.actor, entry.action, entry.target ?? null, entry.digest ?? null, JSON.stringify(entry.detail ?? {}));
  }

  /** Entries after `seq`, oldest first. */
  since(seq: number, limit = 1000): JournalEntry[] {
    const rows = this.db.prepare('SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as {
      seq: number;
      time_ms: number;
      actor: string;
      action: string;
      target: string | null;
      digest: string | null;
      detail: string;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      timeMs: r.time_ms,
      actor: r.actor,
      action: r.action,
      target: r.target,
      digest: r.digest,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
}
