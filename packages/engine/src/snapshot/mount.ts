import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { DrydockError } from '../errors.js';

/**
 * A mount described as data (containerd's `mount.Mount`): what to mount, not
 * the act of mounting. The snapshotter plans mounts; whoever sets up the
 * container's mount namespace performs them (`performMount`, or its own code).
 */
export interface Mount {
  /** `overlay`, or `bind` for a plain directory. */
  type: 'overlay' | 'bind';
  /** `overlay` for overlay mounts; the directory for bind mounts. */
  source: string;
  /** Mount options, as for `mount -o` (joined with commas). */
  options: string[];
  /**
   * Directory the mount must be performed from: overlay `lowerdir` paths are
   * relative to it, which keeps the option string within the kernel's
   * one-page limit for deep images.
   */
  cwd?: string;
}

/** The kernel copies mount options into one page; stay clear of 4096 bytes. */
export const MAX_MOUNT_OPTIONS = 4000;

/**
 * Mounts `m` on `target` (created if missing) with the `mount` binary, so no
 * native addon is needed. Requires CAP_SYS_ADMIN. Fails with `io`.
 */
export function performMount(m: Mount, target: string): void {
  mkdirSync(target, { recursive: true });
  checkMount(m, target, spawnSync('mount', mountArgs(m, target), { cwd: m.cwd, encoding: 'utf8' }));
  if (m.type === 'bind' && m.options.includes('ro')) checkRemount(target, spawnSync('mount', ['-o', 'remount,bind,ro', target], { encoding: 'utf8' }));
}

/** `performMount` without blocking the event loop, so other work (a network being attached) goes on meanwhile. */
export async function performMountAsync(m: Mount, target: string): Promise<void> {
  mkdirSync(target, { recursive: true });
  checkMount(m, target, await spawnText('mount', mountArgs(m, target), m.cwd));
  if (m.type === 'bind' && m.options.includes('ro')) checkRemount(target, await spawnText('mount', ['-o', 'remount,bind,ro', target]));
}

type Ran = { status: number | null; stderr: string; error?: Error | undefined };

function mountArgs(m: Mount, target: string): string[] {
  return m.type === 'bind' ? [m.options.includes('rbind') ? '--rbind' : '--bind', m.source, target] : ['-t', 'overlay', m.source, '-o', m.options.join(','), target];
}

function checkMount(m: Mount, target: string, res: Ran): void {
  if (res.error || res.status !== 0) {
    const why = res.error?.message ?? res.stderr.trim().split('\n')[0] ?? `exit ${res.status}`;
    throw new DrydockError('io', `cannot mount ${m.type} on ${target}: ${why}`, { cause: res.error });
  }
}

function checkRemount(target: string, res: Ran): void {
  if (res.error || res.status !== 0) throw new DrydockError('io', `cannot make ${target} read-only: ${res.error?.message ?? res.stderr.trim()}`);
}

function spawnText(command: string, args: string[], cwd?: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: 'utf8' }, (error, _stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      // A non-zero exit is told by its status; only a failure to run at all is an `error`.
      resolve({ status, stderr, error: error && typeof error.code !== 'number' ? error : undefined });
    });
  });
}

/**
 * Unmounts everything mounted at `target` (stacked mounts included). Not
 * mounted is not an error. With `lazy`, a busy mount is detached (`umount -l`)
 * instead of failing with `conflict`.
 */
export function performUnmount(target: string, opts: { lazy?: boolean } = {}): void {
  for (let i = 0; i < 16 && isMountPoint(target); i++) checkUnmount(target, spawnSync('umount', opts.lazy ? ['-l', target] : [target], { encoding: 'utf8' }));
}

/** `performUnmount` without blocking the event loop. */
export async function performUnmountAsync(target: string, opts: { lazy?: boolean } = {}): Promise<void> {
  for (let i = 0; i < 16 && isMountPoint(target); i++) checkUnmount(target, await spawnText('umount', opts.lazy ? ['-l', target] : [target]));
}

function checkUnmount(target: string, res: Ran): void {
  if (res.error || res.status !== 0) {
    const why = res.error?.message ?? res.stderr.trim();
    if (/busy/i.test(why)) throw new DrydockError('conflict', `cannot unmount ${target}: it is busy`);
    throw new DrydockError('io', `cannot unmount ${target}: ${why}`, { cause: res.error });
  }
}

/** Mount points in this mount namespace, from /proc/self/mountinfo, decoded. */
export function mountPoints(): { target: string; fstype: string; superOptions: string }[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: { target: string; fstype: string; superOptions: string }[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0 || fields.length < sep + 4) continue;
    out.push({ target: decodeMountField(fields[4]!), fstype: fields[sep + 1]!, superOptions: decodeMountField(fields[sep + 3]!) });
  }
  return out;
}

export function isMountPoint(path: string): boolean {
  return mountPoints().some((m) => m.target === path);
}

/** Mount points at or beneath `dir`, deepest first (the order to unmount them). */
export function mountsUnder(dir: string): string[] {
  return [...new Set(mountPoints().map((m) => m.target).filter((t) => t === dir || t.startsWith(`${dir}/`)))].sort((a, b) => b.length - a.length);
}

let overlayProbe: boolean | undefined;

/**
 * Whether overlayfs can be used here: the kernel knows it (/proc/filesystems)
 * and a test mount in `scratch` (on the filesystem that will hold upper dirs)
 * succeeds. The answer is cached for the process.
 */
export function overlaySupported(scratch: string): boolean {
  if (overlayProbe !== undefined) return overlayProbe;
  overlayProbe = false;
  try {
    if (!/\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'))) return false;
  } catch {
    return false;
  }
  for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(`${scratch}/${d}`, { recursive: true });
  try {
    performMount({ type: 'overlay', source: 'overlay', options: ['lowerdir=lower', 'upperdir=upper', 'workdir=work'], cwd: scratch }, `${scratch}/merged`);
    performUnmount(`${scratch}/merged`, { lazy: true });
    overlayProbe = true;
  } catch {
    overlayProbe = false;
  }
  return overlayProbe;
}

/** Undoes mountinfo's octal escapes (`\040` for a space, ...). */
function decodeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
