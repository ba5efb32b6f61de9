import { closeSync, openSync, writeSync } from 'node:fs';
import { DrydockError } from '../errors.js';

/**
 * Docker's json-file log driver's format: one JSON object per line,
 * `{"log":"<text>\n","stream":"stdout"|"stderr","time":"<RFC3339Nano>"}`.
 * A line longer than 16 KiB is cut into partial entries whose `log` has no
 * trailing newline (Docker's copier buffer), as is a last line without one.
 * Strings are escaped like Go's encoder (`<`, `>`, `&`, U+2028/9 as \u escapes),
 * so the bytes match Docker's for the same output.
 */
export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

const MAX_LINE = 16 * 1024;

export class JsonLogWriter {
  private readonly fd: number;
  private readonly partial: Record<LogEntry['stream'], Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialLength: Record<LogEntry['stream'], number> = { stdout: 0, stderr: 0 };
  private closed = false;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'a', 0o640);
    } catch (err) {
      throw new DrydockError('io', `cannot open log ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Appends `chunk` from `stream` received at `time`; complete lines are written at once. */
  write(stream: LogEntry['stream'], chunk: Buffer, time: string = nowRfc3339Nano()): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      this.partial[stream].push(chunk.subarray(start, nl + 1));
      this.emit(stream, time);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.partial[stream].push(rest);
      this.partialLength[stream] += rest.length;
      while (this.partialLength[stream] >= MAX_LINE) {
        const all = Buffer.concat(this.partial[stream]);
        this.partial[stream] = [all.subarray(MAX_LINE)];
        this.partialLength[stream] = all.length - MAX_LINE;
        this.append({ log: all.subarray(0, MAX_LINE).toString('utf8'), stream, time });
      }
    }
  }

  /** Writes what is left of unterminated lines (at the process's end). */
  flush(time: string = nowRfc3339Nano()): void {
    for (const stream of ['stdout', 'stderr'] as const) if (this.partialLength[stream] > 0) this.emit(stream, time);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  private emit(stream: LogEntry['stream'], time: string): void {
    let buf = Buffer.concat(this.partial[stream]);
    this.partial[stream] = [];
    this.partialLength[stream] = 0;
    while (buf.length > MAX_LINE) {
      this.append({ log: buf.subarray(0, MAX_LINE).toString('utf8'), stream, time });
      buf = buf.subarray(MAX_LINE);
    }
    if (buf.length > 0) this.append({ log: buf.toString('utf8'), stream, time });
  }

  private append(entry: LogEntry): void {
    writeSync(this.fd, `${encodeEntry(entry)}\n`);
  }
}

/** One entry as Docker writes it (key order log, stream, time; Go's HTML-safe escaping). */
export function encodeEntry(entry: LogEntry): string {
  return JSON.stringify({ log: entry.log, stream: entry.stream, time: entry.time }).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// Taken on first use, not at load: the CLI's startup snapshot evaluates modules in another process.
let originNs: bigint | undefined;

/** Now as Go's RFC3339Nano in UTC, with sub-millisecond digits from the monotonic clock. */
export function nowRfc3339Nano(): string {
  originNs ??= BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return nsToRfc3339Nano(originNs + process.hrtime.bigint());
}

/** Nanoseconds since the epoch as RFC3339Nano (UTC, trailing zeros of the fraction dropped). */
export function nsToRfc3339Nano(ns: bigint): string {
  const secs = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

/**
 * Parses an RFC3339(Nano) timestamp into nanoseconds since the epoch
 * (any offset; up to 9 fraction digits). Returns undefined when malformed.
 */
export function parseRfc3339Nano(text: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3] === 'Z' ? 'Z' : m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}
