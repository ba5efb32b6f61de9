import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeShimPid, writeShimPid, writeState } from '../../src/runtime/container.js';
import { detectRuntime, oneLine, runtimeUnusableReason, signalNumber } from '../../src/runtime/crun.js';
import type { HostInfo } from '../../src/runtime/host.js';
import { JsonLogWriter, encodeEntry, nsToRfc3339Nano, parseRfc3339Nano } from '../../src/runtime/json-log.js';
import { formatLogLine, parseGoDuration, parseSince, readLogs, type LogLine } from '../../src/runtime/logs.js';
import { startFailureCode } from '../../src/runtime/supervisor.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'drydock-logs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

const T = (n: number) => nsToRfc3339Nano(1_700_000_000_000_000_000n + BigInt(n) * 1_000_000_000n);

describe('JsonLogWriter', () => {
  it("writes Docker's json-file lines, splitting chunks at newlines per stream", () => {
    const path = join(dir, 'log');
    const w = new JsonLogWriter(path);
    w.write('stdout', Buffer.from('a\nb'), T(0));
    w.write('stderr', Buffer.from('err\n'), T(1));
    w.write('stdout', Buffer.from('c\n<&>\n'), T(2));
    w.write('stdout', Buffer.from('tail'), T(3));
    w.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '{"log":"a\\n","stream":"stdout","time":"2023-11-14T22:13:20Z"}',
      '{"log":"err\\n","stream":"stderr","time":"2023-11-14T22:13:21Z"}',
      '{"log":"bc\\n","stream":"stdout","time":"2023-11-14T22:13:22Z"}',
      '{"log":"\\u003c\\u0026\\u003e\\n","stream":"stdout","time":"2023-11-14T22:13:22Z"}',
    ]);
    // The unterminated rest is flushed at close, without a newline in `log`.
    expect(lines).toHaveLength(6);
    const last = JSON.parse(lines[4] as string);
    expect(last).toMatchObject({ log: 'tail', stream: 'stdout' });
  });
  it('cuts lines longer than 16 KiB into partial entries', () => {
    const path = join(dir, 'log');
    const w = new JsonLogWriter(path);
    w.write('stdout', Buffer.from(`${'x'.repeat(40_000)}\n`), T(0));
    w.close();
    const entries = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { log: string });
    expect(entries.map((e) => e.log.length)).toEqual([16384, 16384, 40_001 - 32768]);
    expect(entries.map((e) => e.log).join('')).toBe(`${'x'.repeat(40_000)}\n`);
  });
  it('encodes entries and times like Go', () => {
    expect(encodeEntry({ log: 'é\u2028', stream: 'stdout', time: 't' })).toBe('{"log":"é\\u2028","stream":"stdout","time":"t"}');
    expect(nsToRfc3339Nano(1_700_000_000_120_000_000n)).toBe('2023-11-14T22:13:20.12Z');
    expect(parseRfc3339Nano('2023-11-14T22:13:20.12Z')).toBe(1_700_000_000_120_000_000n);
    expect(parseRfc3339Nano('2023-11-14T23:13:20.000000001+01:00')).toBe(1_700_000_000_000_000_001n);
  });
});

describe('readLogs', () => {
  function sample(n: number): string {
    const path = join(dir, 'container-json.log');
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(encodeEntry({ log: `line${i}\n`, stream: i % 3 === 2 ? 'stderr' : 'stdout', time: T(i) }));
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }
  it('reads all, the tail, one stream, and since/until', async () => {
    const path = sample(10);
    expect((await collect(readLogs(path))).map((l) => l.log)).toHaveLength(10);
    expect((await collect(readLogs(path, { tail: 3 }))).map((l) => l.log)).toEqual(['line7\n', 'line8\n', 'line9\n']);
    expect(await collect(readLogs(path, { tail: 0 }))).toEqual([]);
    expect((await collect(readLogs(path, { tail: 50 })))).toHaveLength(10);
    expect((await collect(readLogs(path, { stdout: false }))).map((l) => l.log)).toEqual(['line2\n', 'line5\n', 'line8\n']);
    expect((await collect(readLogs(path, { since: T(8) }))).map((l) => l.log)).toEqual(['line8\n', 'line9\n']);
    expect((await collect(readLogs(path, { since: '1700000008', until: '1700000009' }))).map((l) => l.log)).toEqual(['line8\n']);
  });
  it('tails across read chunks', async () => {
    const path = sample(5000);
    const tail = await collect(readLogs(path, { tail: 2500 }));
    expect(tail).toHaveLength(2500);
    expect(tail[0]?.log).toBe('line2500\n');
  });
  it('formats timestamps with 9 fraction digits', () => {
    const line: LogLine = { stream: 'stdout', time: '2023-11-14T22:13:20.12Z', timeNs: 1_700_000_000_120_000_000n, log: 'x\n' };
    expect(formatLogLine(line, { timestamps: true })).toBe('2023-11-14T22:13:20.120000000Z x\n');
    expect(formatLogLine(line)).toBe('x\n');
  });
  it('follows appended lines until the state file says exited', async () => {
    const path = join(dir, 'container-json.log');
    writeState(dir, { status: 'running' });
    writeShimPid(dir); // this process plays the supervisor
    const w = new JsonLogWriter(path);
    w.write('stdout', Buffer.from('first\n'));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const l of readLogs(path, { follow: true, pollMs: 20 })) seen.push(l.log);
    })();
    await new Promise((r) => setTimeout(r, 100));
    w.write('stdout', Buffer.from('sec'));
    w.write('stdout', Buffer.from('ond\n'));
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['first\n', 'second\n']);
    w.write('stderr', Buffer.from('last\n'));
    w.close();
    writeState(dir, { status: 'exited', exitCode: 0 });
    await reading;
    expect(seen).toEqual(['first\n', 'second\n', 'last\n']);
  });
  it('stops following when the supervisor died without recording the exit', async () => {
    const path = join(dir, 'container-json.log');
    writeState(dir, { status: 'running' });
    writeShimPid(dir);
    writeFileSync(path, `${encodeEntry({ log: 'only\n', stream: 'stdout', time: T(0) })}\n`);
    const reading = collect(readLogs(path, { follow: true, pollMs: 20 }));
    await new Promise((r) => setTimeout(r, 80));
    removeShimPid(dir);
    expect((await reading).map((l) => l.log)).toEqual(['only\n']);
  });
  it('stops following on abort, and waits for a log not yet created', async () => {
    const ac = new AbortController();
    const path = join(dir, 'container-json.log');
    const reading = collect(readLogs(path, { follow: true, signal: ac.signal, pollMs: 20, isDone: () => false }));
    await new Promise((r) => setTimeout(r, 60));
    writeFileSync(path, `${encodeEntry({ log: 'late\n', stream: 'stdout', time: T(0) })}\n`);
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    expect((await reading).map((l) => l.log)).toEqual(['late\n']);
  });
});

describe('time values', () => {
  const now = Date.UTC(2024, 0, 2, 12, 0, 0);
  it('parses Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseGoDuration('1.5s')).toBe(1_500_000_000n);
    expect(parseGoDuration('-2ms')).toBe(-2_000_000n);
    expect(parseGoDuration('10')).toBeUndefined();
  });
  it("parses --since like Docker's client", () => {
    expect(parseSince('10m', now)).toBe(BigInt(now - 600_000) * 1_000_000n);
    expect(parseSince('1700000000.5', now)).toBe(1_700_000_000_500_000_000n);
    expect(parseSince('2024-01-02T10:00:00Z', now)).toBe(BigInt(Date.UTC(2024, 0, 2, 10)) * 1_000_000n);
    expect(parseSince('2024-01-02T10:00:00.000000042+02:00', now)).toBe(BigInt(Date.UTC(2024, 0, 2, 8)) * 1_000_000n + 42n);
    expect(parseSince('2024-01-02', now)).toBe(BigInt(new Date(2024, 0, 2).getTime()) * 1_000_000n);
    expect(() => parseSince('yesterday', now)).toThrow(/invalid value for "since"/);
  });
});

describe('runtime wrapper helpers', () => {
  it("reduces a runtime's stderr to one line", () => {
    expect(oneLine('time="2024-01-01T00:00:00Z" level=error msg="container \\"x\\" does not exist"\n')).toBe('container "x" does not exist');
    expect(oneLine('{"msg":"executable file `nope` not found in $PATH: No such file or directory","level":"error"}\n\n')).toBe(
      'executable file `nope` not found in $PATH: No such file or directory',
    );
    expect(oneLine('line one\nline two\n')).toBe('line one: line two');
  });
  it("maps start failures to Docker's exit codes", () => {
    expect(startFailureCode('runc run failed: unable to start container process: exec: "nope": executable file not found in $PATH')).toBe(127);
    expect(startFailureCode('executable file `nope` not found in $PATH: No such file or directory')).toBe(127);
    expect(startFailureCode('runc run failed: unable to start container process: exec: "/etc/passwd": permission denied')).toBe(126);
    expect(startFailureCode('open executable: Permission denied')).toBe(126);
    expect(startFailureCode('open executable: Operation not permitted')).toBe(126);
    expect(startFailureCode('cannot set memory limit: device or resource busy')).toBe(125);
  });
  it('parses signals', () => {
    expect(signalNumber('TERM')).toBe(15);
    expect(signalNumber('SIGKILL')).toBe(9);
    expect(signalNumber('10')).toBe(10);
    expect(() => signalNumber('SIGNOPE')).toThrow(/invalid signal/);
  });
  it('skips crun on a hybrid host with cgroup v2 controllers', () => {
    const hybrid: HostInfo = { cgroupMode: 'hybrid', v2Controllers: ['hugetlb'], swapAccounting: true, nofileHard: 1024, canRaiseRlimits: true, kernel: [6, 1], goArch: 'amd64' };
    expect(runtimeUnusableReason('crun', hybrid)).toMatch(/hybrid/);
    expect(runtimeUnusableReason('crun', { ...hybrid, v2Controllers: [] })).toBeNull();
    expect(runtimeUnusableReason('runc', hybrid)).toBeNull();
    const fake = join(dir, 'fake-runtime');
    writeFileSync(fake, '');
    expect(detectRuntime({ root: dir, host: hybrid, binaries: { crun: fake, runc: fake } }).flavor).toBe('runc');
    expect(detectRuntime({ root: dir, host: { ...hybrid, cgroupMode: 'unified' }, binaries: { crun: fake, runc: fake } }).flavor).toBe('crun');
    expect(() => detectRuntime({ root: dir, host: hybrid, binaries: { crun: fake, runc: join(dir, 'none') }, prefer: ['crun', 'runc'] })).toThrow(/no usable OCI runtime/);
  });
});
