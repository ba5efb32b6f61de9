import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DrydockError } from '../errors.js';
import { RUNTIME_ENV } from '../runtime/crun.js';
import { rawTerminal } from '../runtime/tty.js';
import { buildExecProcess, writeJsonAtomic, type ExecInput, type OciSpec } from '../runtime/spec.js';
import type { ContainerDeps } from './deps.js';
import { containerSummary } from './status.js';

/**
 * `docker exec`: a new process in a running container, with the container's
 * environment and user unless overridden. Stdio is inherited; with a tty the
 * runtime runs under util-linux `script`, the same pty relay as `run -t`.
 * Resolves with the process's exit code (126/127 as Docker for a command
 * that cannot run).
 */
export async function execInContainer(deps: ContainerDeps, idOrName: string, input: ExecInput & { interactive?: boolean }): Promise<number> {
  const record = deps.containers.resolve(idOrName);
  const summary = await containerSummary(deps, record);
  if (summary.status !== 'running') {
    throw new DrydockError('conflict', `Container ${record.id} is ${summary.status === 'paused' ? 'paused, unpause the container before exec' : 'not running'}`);
  }
  const dir = deps.paths.dir(record.id);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as OciSpec;
  const processFile = join(dir, `exec-${randomBytes(6).toString('hex')}.json`);
  writeJsonAtomic(processFile, buildExecProcess(spec, input));
  const runtime = deps.runtime();
  const args = runtime.execArgs(record.id, processFile);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const [command, argv] = input.tty ? ['/usr/bin/script', ['-q', '-e', '-f', '-E', 'never', '-c', `exec ${[runtime.binary, ...args].map(q).join(' ')}`, '/dev/null']] : [runtime.binary, args];
  const restoreTerminal = input.tty && input.interactive ? rawTerminal(0) : () => undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      // A tty without -i gets a pipe nobody writes, as `run -t` does: on /dev/null `script` would send the pty an
      // end-of-file, which the runtime's raw mode turns into a NUL byte for the process (echoed as `^@`).
      const stdin = input.interactive ? 'inherit' : input.tty ? 'pipe' : 'ignore';
      const child = spawn(command, argv as string[], { stdio: [stdin, 'inherit', 'pipe'], env: RUNTIME_ENV });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!/executable file not found|no such file or directory|permission denied/i.test(stderr)) process.stderr.write(d);
      });
      child.on('error', reject);
      child.on('close', (code) => {
        restoreTerminal(); // before the caller prints anything more
        if (/executable file not found|No such file or directory/i.test(stderr) && code !== 0) {
          process.stderr.write(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${input.cmd[0]}": executable file not found in $PATH: unknown\n`);
          return resolve(127);
        }
        if (/permission denied/i.test(stderr) && code !== 0) return resolve(126);
        resolve(code ?? 1);
      });
    });
  } finally {
    restoreTerminal();
    rmSync(processFile, { force: true });
  }
}
