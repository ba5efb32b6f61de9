import { readFileSync } from 'node:fs';

/**
 * The process that keeps an active snapshot alive. The start time (clock
 * ticks since boot, field 22 of /proc/<pid>/stat) tells a live owner from a
 * later process that happens to get the same pid.
 */
export interface Owner {
  pid: number;
  /** Start time of the process (clock ticks since boot, /proc/<pid>/stat field 22); guards against pid reuse. */
  start: number;
}

/** The owner record for a running process (start 0 if it cannot be read). */
export function ownerOf(pid: number): Owner {
  return { pid, start: startTime(pid) ?? 0 };
}

/** Whether the owner still runs (same pid, same start time). */
export function isAlive(owner: Owner): boolean {
  const start = startTime(owner.pid);
  return start !== undefined && (owner.start === 0 || start === owner.start);
}

/** The process's start time, or undefined when it is gone (or a zombie). */
function startTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined; // exited, not yet reaped
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

