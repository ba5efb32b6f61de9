import type { EngineEvent } from '@drydock/engine';

/** What a build display shows: one row per step, plus the export rows added at the end. */
export interface StepRow {
  step: number;
  name: string;
  startedMs: number;
  /** Set when the step finished (done, cached or failed). */
  endedMs?: number;
  cached: boolean;
  error?: string;
  /** Output lines of the step, whole. */
  logs: string[];
}

/** Folds engine events into step rows (shared by the plain and tty displays). */
export class BuildProgress {
  readonly rows = new Map<number, StepRow>();
  readonly startedMs: number;

  constructor(private readonly now: () => number = Date.now) {
    this.startedMs = now();
  }

  apply(e: EngineEvent): StepRow | undefined {
    switch (e.type) {
      case 'engine:build:step': {
        const row: StepRow = { step: e.step, name: e.name, startedMs: this.now(), cached: false, logs: [] };
        this.rows.set(e.step, row);
        return row;
      }
      case 'engine:build:log': {
        const row = this.rows.get(e.step);
        row?.logs.push(...e.text.replace(/\n$/, '').split('\n'));
        return row;
      }
      case 'engine:build:cached':
      case 'engine:build:done':
      case 'engine:build:failed': {
        const row = this.rows.get(e.step);
        if (!row) return undefined;
        if (e.type === 'engine:build:cached') row.cached = true;
        if (e.type === 'engine:build:failed') row.error = e.error;
        row.endedMs ??= this.now();
        return row;
      }
      default:
        return undefined;
    }
  }

  get lastStep(): number {
    return Math.max(0, ...this.rows.keys());
  }
}

/**
 * BuildKit's `--progress=plain`: `#N [stage i/n] INSTRUCTION`, output lines
 * with the seconds since the step began, `CACHED`, `DONE t`, `ERROR: …`.
 */
export function plainProgress(write: (line: string) => void, progress = new BuildProgress()): (e: EngineEvent) => void {
  return (e) => {
    const row = progress.apply(e);
    if (!row) return;
    switch (e.type) {
      case 'engine:build:step':
        write(`#${e.step} ${e.name}`);
        break;
      case 'engine:build:log': {
        const t = ((Date.now() - row.startedMs) / 1000).toFixed(3);
        for (const line of e.text.replace(/\n$/, '').split('\n')) write(`#${e.step} ${t} ${line}`);
        break;
      }
      case 'engine:build:cached':
        write(`#${e.step} CACHED`);
        break;
      case 'engine:build:done':
        write(`#${e.step} DONE ${(e.durationMs / 1000).toFixed(1)}s`);
        break;
      case 'engine:build:failed':
        write(`#${e.step} ERROR: ${e.error}`);
        break;
      default:
        break;
    }
  };
}

/** Lines of a running step's output shown under it in the tty display (BuildKit shows a few). */
const TAIL_LINES = 6;

/**
 * BuildKit's `--progress=tty` screen: a header with the elapsed time and
 * steps done, one ` => ` row per step with its duration right-aligned, the
 * last lines of a running step's output beneath it; `finished` renders the
 * final screen (no output tails, except a failed step's).
 */
export function renderTty(progress: BuildProgress, opts: { width: number; nowMs: number; finished?: 'FINISHED' | 'ERROR'; extra?: string[] }): string[] {
  const rows = [...progress.rows.values()].sort((a, b) => a.step - b.step);
  const done = rows.filter((r) => r.endedMs !== undefined).length + (opts.extra?.length ?? 0);
  const total = rows.length + (opts.extra?.length ?? 0);
  const elapsed = ((opts.nowMs - progress.startedMs) / 1000).toFixed(1);
  const lines = [`[+] Building ${elapsed}s (${done}/${total})${opts.finished ? ` ${opts.finished}` : ''}`];
  const width = Math.max(40, opts.width);
  for (const r of rows) {
    const secs = r.cached ? '0.0s' : `${(((r.endedMs ?? opts.nowMs) - r.startedMs) / 1000).toFixed(1)}s`;
    const label = ` => ${r.cached ? 'CACHED ' : r.error ? 'ERROR ' : ''}${r.name}`;
    lines.push(fit(label, secs, width));
    const showTail = r.error !== undefined || (r.endedMs === undefined && !opts.finished);
    if (showTail) for (const log of r.logs.slice(-TAIL_LINES)) lines.push(truncate(` => => # ${log}`, width));
  }
  for (const e of opts.extra ?? []) lines.push(fit(e, '0.0s', width));
  return lines;
}

function fit(label: string, right: string, width: number): string {
  const room = width - right.length - 1;
  const left = truncate(label, room);
  return `${left}${' '.repeat(Math.max(1, room - left.length + 1))}${right}`;
}

function truncate(s: string, width: number): string {
  const flat = s.replace(/[\r\n\t]/g, ' ');
  return flat.length <= width ? flat : `${flat.slice(0, width - 3)}...`;
}

/**
 * Drives `renderTty` on a terminal: repaints the screen in place (cursor up,
 * clear line) at most every `intervalMs`, and once more when finished.
 */
export function ttyProgress(out: NodeJS.WriteStream, progress = new BuildProgress(), intervalMs = 100) {
  let painted = 0;
  const paint = (finished?: 'FINISHED' | 'ERROR', extra?: string[]) => {
    const lines = renderTty(progress, { width: out.columns ?? 80, nowMs: Date.now(), ...(finished ? { finished } : {}), ...(extra ? { extra } : {}) });
    out.write(`${painted > 0 ? `\x1b[${painted}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    painted = lines.length;
  };
  const timer = setInterval(() => paint(), intervalMs);
  timer.unref();
  return {
    onEvent: (e: EngineEvent) => void progress.apply(e),
    finish: (outcome: 'FINISHED' | 'ERROR', extra: string[] = []) => {
      clearInterval(timer);
      paint(outcome, extra);
    },
  };
}
