import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { build } from 'esbuild';
import { containerFiles, readShimPid, shimAlive } from '../../src/runtime/container.js';
import { OciRuntime, runtimeUnusableReason } from '../../src/runtime/crun.js';
import { hostInfo } from '../../src/runtime/host.js';
import { buildSpec, prepareBundle, type OciSpec, type SpecInput } from '../../src/runtime/spec.js';
import type { ShimConfig } from '../../src/runtime/supervisor.js';
import { writeShimConfig } from '../../src/runtime/shim.js';

export const BUSYBOX_TAR = '/var/cache/drydock-test/busybox-rootfs.tar';

/** Whether this machine can run the runtime tests at all. */
/** Fails a suite whose prerequisites are missing, rather than skipping it. */
export function requireContainers(): void {
  if (!canRunContainers()) throw new Error('these tests need root, runc or crun, and the busybox fixture: run them through `npm test`');
}

export function canRunContainers(): boolean {
  return process.getuid?.() === 0 && existsSync(BUSYBOX_TAR) && (existsSync('/usr/bin/runc') || existsSync('/usr/bin/crun'));
}

/**
 * The runtimes to test. crun runs natively where it can; on a hybrid cgroup
 * host with controllers on cgroup v2 (where crun 1.x refuses every
 * container) it runs through a test-only wrapper that masks
 * /sys/fs/cgroup/unified/cgroup.controllers in a private mount namespace,
 * so the spec and the wrapper code are still exercised against crun.
 */
export function testRuntimes(scratch: string): Array<{ name: string; make: (root: string) => OciRuntime }> {
  const out: Array<{ name: string; make: (root: string) => OciRuntime }> = [];
  const host = hostInfo();
  if (existsSync('/usr/bin/runc')) out.push({ name: 'runc', make: (root) => new OciRuntime({ binary: '/usr/bin/runc', flavor: 'runc', root }) });
  if (existsSync('/usr/bin/crun')) {
    let binary = '/usr/bin/crun';
    let name = 'crun';
    if (runtimeUnusableReason('crun', host) && existsSync('/usr/bin/unshare')) {
      binary = join(scratch, 'crun-hybrid');
      name = 'crun (cgroup2 controllers masked)';
      writeFileSync(
        binary,
        `#!/bin/sh\nexec /usr/bin/unshare -m /bin/sh -c '/bin/mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers && exec /usr/bin/crun "$@"' crun "$@"\n`,
      );
      chmodSync(binary, 0o755);
    }
    out.push({ name, make: (root) => new OciRuntime({ binary, flavor: 'crun', root }) });
  }
  return out;
}

/** Bundles the test CLI entry (as the real CLI is bundled) so a plain `node` can run it as the shim. */
export async function bundleCliEntry(outDir: string): Promise<string> {
  const outfile = join(outDir, 'cli-entry.mjs');
  await build({
    entryPoints: [new URL('./fixtures/cli-entry.ts', import.meta.url).pathname],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}

/** Captures a stream's bytes. */
export class Capture extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface TestContainer {
  id: string;
  dir: string;
  spec: OciSpec;
  config: ShimConfig;
}

/**
 * One suite's scratch space: a busybox rootfs, a runtime state root, and
 * every container made, torn down in `cleanup` (runtime delete --force,
 * shims killed, directories removed).
 */
export class Harness {
  readonly scratch: string;
  readonly rootfs: string;
  readonly runtime: OciRuntime;
  private readonly made: TestContainer[] = [];

  constructor(makeRuntime: (root: string) => OciRuntime) {
    this.scratch = mkdtempSync(join(tmpdir(), 'drydock-rt-'));
    this.rootfs = join(this.scratch, 'rootfs');
    this.runtime = makeRuntime(join(this.scratch, 'state'));
    extractRootfs(this.rootfs);
  }

  /** A container directory with config.json and shim.json written. */
  container(input: Partial<SpecInput> & { cmd?: string[] }, opts: { rootfs?: string; openStdin?: boolean } = {}): TestContainer {
    const id = `dd${randomBytes(8).toString('hex')}`;
    const dir = join(this.scratch, 'containers', id);
    mkdirSync(dir, { recursive: true });
    const spec = buildSpec({ id, rootfs: opts.rootfs ?? this.rootfs, hostname: id.slice(0, 12), ...input });
    prepareBundle(dir, spec);
    const config: ShimConfig = { id, dir, runtime: this.runtime.toJSON(), tty: spec.process.terminal, ...(opts.openStdin ? { openStdin: true } : {}) };
    writeShimConfig(config);
    const c = { id, dir, spec, config };
    this.made.push(c);
    return c;
  }

  /** Removes every container's runtime state and shim; keeps the scratch directory. */
  async reset(): Promise<void> {
    for (const c of this.made.splice(0)) {
      await this.runtime.delete(c.id, { force: true }).catch(() => undefined);
      if (shimAlive(c.dir)) {
        const rec = readShimPid(c.dir);
        if (rec && rec.pid !== process.pid) {
          try {
            process.kill(rec.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      rmSync(c.dir, { recursive: true, force: true });
    }
  }

  async cleanup(): Promise<void> {
    await this.reset();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  files(c: TestContainer) {
    return containerFiles(c.dir);
  }
}

/**
 * Extracts the busybox rootfs. The tarball's `./` entry is 0700 (it was made
 * from a private temporary directory) and tar applies it to `dest`; an
 * image's root is 0755, and non-root users (`-u nobody`) need it to be.
 */
export function extractRootfs(dest: string): void {
  mkdirSync(dest, { recursive: true });
  const res = spawnSync('tar', ['-x', '-f', BUSYBOX_TAR, '-C', dest], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`tar failed: ${res.stderr}`);
  chmodSync(dest, 0o755);
}
