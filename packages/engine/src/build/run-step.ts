import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DrydockError } from '../errors.js';
import { writeEtcFiles } from '../network/etc-files.js';
import type { OciRuntime } from '../runtime/crun.js';
import type { OciMount } from '../runtime/defaults.js';
import { runForeground } from '../runtime/shim.js';
import { buildSpec, prepareBundle } from '../runtime/spec.js';
import type { ContainerConfig } from '../image/config.js';

/**
 * Runs a RUN step's command in `root` (the step's mounted rootfs) as BuildKit
 * does: the image's user, env and working dir plus the build args in effect,
 * no entrypoint, hostname `buildkitsandbox`, the host's network (or none for
 * `RUN --network=none`), plus the step's `RUN --mount`s. Output lines
 * go to `onOutput`; a non-zero exit fails with BuildKit's message. `signal`
 * kills the command's container; the step then fails with `cancelled`.
 */
export async function runCommand(
  deps: { runtime: OciRuntime; bundleRoot: string },
  root: string,
  key: string,
  config: ContainerConfig,
  args: string[],
  extraEnv: string[],
  network: 'host' | 'none',
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void,
  mounts: OciMount[] = [],
  signal?: AbortSignal,
): Promise<void> {
  const dir = join(deps.bundleRoot, key);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const files = await writeEtcFiles({ dir, mode: network, hostname: 'buildkitsandbox' });
    const spec = buildSpec({
      id: key,
      rootfs: root,
      image: { ...config, Env: [...(config.Env ?? []), ...extraEnv] },
      entrypoint: [],
      cmd: args,
      hostname: 'buildkitsandbox',
      network: { mode: network },
      files: { hosts: files.hosts, hostname: files.hostname, resolvConf: files.resolvConf },
      mounts,
    });
    prepareBundle(dir, spec);
    const sink = (stream: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          onOutput(stream, chunk.toString());
          cb();
        },
      });
    const state = await runForeground({ id: key, dir, runtime: deps.runtime.toJSON(), tty: false }, { stdout: sink('stdout'), stderr: sink('stderr'), ...(signal ? { signal } : {}) });
    if (signal?.aborted) throw new DrydockError('cancelled', 'the build was cancelled');
    if (state.exitCode !== 0) {
      const shown = JSON.stringify(args.join(' '));
      const why = state.error ? `: ${state.error}` : '';
      throw new DrydockError('build-failed', `process ${shown} did not complete successfully: exit code: ${state.exitCode ?? 1}${why}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
