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
  /** DRYDOCK_AGENT_TOKEN: `drydock agent`'s per-host token, kept out of the process list. */
  agentToken: string | undefined;
  /** The hub (`drydock up`): PORT, DATABASE_URL, the first admin, the secrets key. */
  hub: {
    port: string | undefined;
    databaseUrl: string | undefined;
    adminEmail: string | undefined;
    adminPassword: string | undefined;
    secretKey: string | undefined;
  };
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
  return { root, actor: `os:${user}`, debug: env.DRYDOCK_DEBUG === '1', agentToken: env.DRYDOCK_AGENT_TOKEN || undefined,
    hub: {
      port: env.PORT || undefined,
      databaseUrl: env.DATABASE_URL || undefined,
      adminEmail: env.DRYDOCK_ADMIN_EMAIL || undefined,
      adminPassword: env.DRYDOCK_ADMIN_PASSWORD || undefined,
      secretKey: env.DRYDOCK_SECRET_KEY || undefined,
    },
  };
}
