/**
 * A vitest setup file: before each test file, the dockerd that scripts/peers.sh started must
 * still run. On CI it once died early in the run, and every later Docker comparison failed
 * with "connection refused", without a word on why. Now a dead dockerd is recorded, with the
 * end of its log, in /run/drydock-test/dockerd-deaths.log (scripts/test.sh prints it after the
 * results), and peers.sh starts it again, so one crash of a peer does not fail unrelated files.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

const RUN_DIR = '/run/drydock-test';

function dockerdPid(): number | undefined {
  try {
    return Number(readFileSync(join(RUN_DIR, 'dockerd.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined; // not started by peers.sh (one answered already): not ours to watch
  }
}

function isDockerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
  } catch {
    return false;
  }
}

/** What dockerd's log says of its end: its errors and any panic, then its last lines. */
function logSummary(): string {
  let lines: string[];
  try {
    lines = readFileSync(join(RUN_DIR, 'dockerd.log'), 'utf8').trimEnd().split('\n');
  } catch {
    return '(no log)';
  }
  const errors = lines.filter((l) => /panic|fatal|level=error|signal/i.test(l)).slice(-15);
  return [...errors, '…', ...lines.slice(-10), ...kernelNotes()].join('\n');
}

/** The kernel's word on it, if any: the OOM killer, or a segfault. */
function kernelNotes(): string[] {
  try {
    const out = execFileSync('dmesg', [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').filter((l) => /dockerd|containerd|oom|out of memory/i.test(l)).slice(-10).map((l) => `kernel: ${l}`);
  } catch {
    return [];
  }
}

// At the top level: this runs before the test file is even imported.
const repo = process.env.DRYDOCK_REPO;
const pid = dockerdPid();
if (repo && pid !== undefined && !isDockerd(pid)) {
  const file = expect.getState().testPath ?? 'a test file';
  appendFileSync(join(RUN_DIR, 'dockerd-deaths.log'), `${new Date().toISOString()} dockerd (pid ${pid}) was gone before ${file}; its errors and last lines:\n${logSummary()}\n\n`);
  execFileSync('bash', [join(repo, 'scripts/peers.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
