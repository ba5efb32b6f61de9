import { closeSync, fstatSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { DrydockError } from '../errors.js';
import { readState, shimAlive } from './container.js';
import { parseRfc3339Nano } from './json-log.js';

/**
 * `docker logs` over a json-file log (json-log.ts). Entries come out in file
 * order; `tail` keeps the last N entries, then `since`/`until` filter by
 * time; `follow` keeps reading what the supervisor appends until the
 * container's state file says `exited` or its supervisor is gone (or
 * `signal` aborts).
 */
export interface LogReadOptions {
  /** The last N entries only (Docker `--tail N`; undefined or negative = all). */
  tail?: number;
  /** Only entries at or after this time: ns since the epoch, or a `--since` value (parseSince). */
  since?: bigint | string;
  /** Only entries before this time (`--until`). */
  until?: bigint | string;
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  signal?: AbortSignal;
  /** Whether the writer is done, for `follow`; default: the state file beside the log says exited. */
  isDone?: () => boolean;
  /** Follow's polling interval (fs.watch wakes it sooner). Default 100 ms. */
  pollMs?: number;
  /** `now` for relative `since`/`until` values (tests). */
  now?: number;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** RFC3339Nano as written. */
  time: string;
  timeNs: bigint;
  /** The text, with its newline when it had one. */
  log: string;
}

const CHUNK = 64 * 1024;

export async function* readLogs(path: string, opts: LogReadOptions = {}): AsyncGenerator<LogLine> {
  const now = opts.now ?? Date.now();
  const since = typeof opts.since === 'string' ? parseSince(opts.since, now) : opts.since;
  const until = typeof opts.until === 'string' ? parseSince(opts.until, now) : opts.until;
  const wantOut = opts.stdout ?? true;
  const wantErr = opts.stderr ?? true;
  const keep = (l: LogLine) =>
    (l.stream === 'stdout' ? wantOut : wantErr) && (since === undefined || l.timeNs >= since) && (until === undefined || l.timeNs < until);

  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new DrydockError('io', `cannot read log ${path}: ${(err as Error).message}`, { cause: err });
    if (!opts.follow) return;
    fd = await waitForFile(path, opts);
    if (fd < 0) return;
  }
  try {
    let offset = opts.tail !== undefined && opts.tail >= 0 ? tailOffset(fd, opts.tail) : 0;
    let rest = '';
    const buf = Buffer.alloc(CHUNK);
    const drain = function* (): Generator<LogLine> {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n === 0) return;
        offset += n;
        const text = rest + buf.subarray(0, n).toString('latin1');
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const raw of lines) {
          const line = parseLine(raw);
          if (line && keep(line)) yield line;
        }
      }
    };
    yield* drain();
    if (!opts.follow) return;
    const isDone = opts.isDone ?? (() => supervisorDone(dirname(path)));
    while (!opts.signal?.aborted) {
      const done = isDone();
      yield* drain();
      if (done) return;
      await changed(path, opts.pollMs ?? 100, opts.signal);
    }
  } finally {
    closeSync(fd);
  }
}

/** One line as the CLI prints it: with `timestamps`, Docker's fixed 9-digit RFC3339Nano and a space first. */
export function formatLogLine(line: LogLine, opts: { timestamps?: boolean } = {}): string {
  return opts.timestamps ? `${fixedNano(line.timeNs)} ${line.log}` : line.log;
}

function fixedNano(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

/** The lines are latin1-decoded for splitting; JSON strings are re-decoded as UTF-8 here. */
function parseLine(raw: string): LogLine | null {
  if (raw.trim() === '') return null;
  try {
    const j = JSON.parse(Buffer.from(raw, 'latin1').toString('utf8')) as { log?: unknown; stream?: unknown; time?: unknown };
    if (typeof j.log !== 'string' || typeof j.time !== 'string') return null;
    const timeNs = parseRfc3339Nano(j.time);
    if (timeNs === undefined) return null;
    return { stream: j.stream === 'stderr' ? 'stderr' : 'stdout', time: j.time, timeNs, log: j.log };
  } catch {
    return null; // a torn or foreign line: skipped, as Docker's decoder does on a corrupt entry
  }
}

/** The offset of the start of the last `n` lines, reading backwards in chunks. */
function tailOffset(fd: number, n: number): number {
  const size = fstatSync(fd).size;
  if (n === 0) return size;
  let pos = size;
  let newlines = 0;
  const buf = Buffer.alloc(CHUNK);
  // The file normally ends with a newline, which does not start a line.
  let skipLast = true;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    readSync(fd, buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) {
        skipLast = false;
        continue;
      }
      if (skipLast) {
        skipLast = false;
        continue;
      }
      if (++newlines === n) return pos + i + 1;
    }
  }
  return 0;
}

async function waitForFile(path: string, opts: LogReadOptions): Promise<number> {
  const isDone = opts.isDone ?? (() => supervisorDone(dirname(path)));
  while (!opts.signal?.aborted) {
    try {
      return openSync(path, 'r');
    } catch {
      if (isDone()) return -1;
      await sleep(opts.pollMs ?? 100, opts.signal);
    }
  }
  return -1;
}

/** No more output will come: the state says exited, or the supervisor that started the container is gone. */
function supervisorDone(dir: string): boolean {
  const state = readState(dir);
  return state?.status === 'exited' || (state !== null && !shimAlive(dir));
}

/** Resolves when the file (or its directory) changes, after `pollMs` at the latest, or on abort. */
function changed(path: string, pollMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    const done = () => {
      watcher?.close();
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, pollMs);
    signal?.addEventListener('abort', done, { once: true });
    try {
      watcher = watch(dirname(path), done);
      watcher.on('error', done);
    } catch {
      // polling only
    }
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Docker's `--since`/`--until` values (timetypes.GetTimestamp) as ns since
 * the epoch: a Go duration relative to `now` (`10m`, `1h30m`), a Unix time
 * (`1700000000`, `1700000000.5`), or an RFC3339 date/time (`2024-01-02`,
 * `2024-01-02T15:04`, `2024-01-02T15:04:05.123Z`, with an offset; without
 * one, local time like the Docker CLI). Throws `invalid-argument`.
 */
export function parseSince(value: string, now: number = Date.now()): bigint {
  const v = value.trim();
  const dur = parseGoDuration(v);
  if (dur !== undefined) return BigInt(now) * 1_000_000n - dur;
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (unix) return BigInt(unix[1] as string) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0') || '0');
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(v);
  if (m) {
    const [date = '', hm = '00:00', sec = '00', frac = '', zone] = m.slice(1);
    let ns = parseRfc3339Nano(`${date}T${hm}:${sec}${frac ? `.${frac}` : ''}${zone ?? 'Z'}`);
    if (ns !== undefined && zone === undefined) {
      // No zone: local time, as the Docker CLI reads it.
      const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
      const [hh, mi] = hm.split(':').map(Number) as [number, number];
      const localMs = new Date(y, mo - 1, d, hh, mi, Number(sec)).getTime();
      ns = BigInt(localMs) * 1_000_000n + BigInt(frac.padEnd(9, '0') || '0');
    }
    if (ns !== undefined) return ns;
  }
  throw new DrydockError('invalid-argument', `invalid value for "since": failed to parse value as time or duration: "${value}"`);
}

/** Go's time.ParseDuration, in ns; undefined when `s` is not a duration. */
export function parseGoDuration(s: string): bigint | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m) return s === '0' ? 0n : undefined;
  let total = 0;
  for (const part of s.slice(m[1]?.length ?? 0).matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (UNIT_NS[part[2] as string] ?? 0);
  }
  const ns = BigInt(Math.round(total));
  return m[1] === '-' ? -ns : ns;
}
