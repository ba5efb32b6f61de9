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
  /** Docker's client configuration directory (config.json): DOCKER_CONFIG, else ~/.docker. */
  dockerConfig: string;
  /** Registries reached over plain HTTP besides loopback: DRYDOCK_INSECURE_REGISTRIES, comma-separated host[:port] or CIDR. */
  insecureRegistries: string[];
  /** DRYDOCK_STORAGE_DRIVER: `overlay`, `copy` (no overlayfs) or `auto` (default), as dockerd's --storage-driver; checked by openEngine. */
  storageDriver: string | undefined;
  /** Per-registry TLS files, Docker's layout: DRYDOCK_CERTS_D, else /etc/docker/certs.d. */
  certsDir: string;
  /**
   * Extra CAs for registries: NODE_EXTRA_CA_CERTS, which bin/drydock hands over as
   * DRYDOCK_EXTRA_CA_CERTS to commands it starts without it (see apps/cli/README.md).
   */
  extraCaFile: string | undefined;
  /** Whether Node itself loaded `extraCaFile` at start-up (NODE_EXTRA_CA_CERTS was set): its global fetch trusts it. */
  extraCaLoadedByNode: boolean;
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
  return {
    root,
    actor: `os:${user}`,
    debug: env.DRYDOCK_DEBUG === '1',
    agentToken: env.DRYDOCK_AGENT_TOKEN || undefined,
    hub: {
      port: env.PORT || undefined,
      databaseUrl: env.DATABASE_URL || undefined,
      adminEmail: env.DRYDOCK_ADMIN_EMAIL || undefined,
      adminPassword: env.DRYDOCK_ADMIN_PASSWORD || undefined,
      secretKey: env.DRYDOCK_SECRET_KEY || undefined,
    },
    dockerConfig: env.DOCKER_CONFIG || join(homedir(), '.docker'),
    insecureRegistries: (env.DRYDOCK_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    certsDir: env.DRYDOCK_CERTS_D || '/etc/docker/certs.d',
    storageDriver: env.DRYDOCK_STORAGE_DRIVER || undefined,
    extraCaFile: env.DRYDOCK_EXTRA_CA_CERTS || env.NODE_EXTRA_CA_CERTS || undefined,
    extraCaLoadedByNode: Boolean(env.NODE_EXTRA_CA_CERTS),
  };
}

/** One environment variable, for flags that name one (`--build-arg NAME`, `-e NAME`, `--secret env=NAME`). */
export function envVar(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name];
}
