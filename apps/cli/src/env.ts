import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * The CLI's whole view of the environment: nothing else reads process.env.
 * The engine reads none at all; what it needs is passed in from here.
 */
export interface CliEnv {
  /** DRYDOCK_ROOT, else /var/lib/drydock as root, else ~/.local/share/drydock. */
  root: string;
  /** The actor recorded in the journal: the OS user running the CLI. */
  actor: string;
  debug: boolean;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  const isRoot = process.getuid?.() === 0;
  const root = env.DRYDOCK_ROOT || (isRoot ? '/var/lib/drydock' : join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'drydock'));
  let user = env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container): keep $USER.
  }
  return { root, actor: `os:${user}`, debug: env.DRYDOCK_DEBUG === '1' };
}

/** One environment variable, for flags that name one (`--build-arg NAME`, `-e NAME`, `--secret env=NAME`). */
export function envVar(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name];
}
