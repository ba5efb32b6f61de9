import type { Digest } from '../digest.js';
import { DrydockError } from '../errors.js';

/**
 * The image configuration as Docker writes it (image-spec config.md plus
 * Docker's extensions). Field names are the JSON names. The inner `config`
 * uses Docker's container.Config capitalised names.
 */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  Shell?: string[];
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  comment?: string;
  config?: ContainerConfig;
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
  'os.version'?: string;
  'os.features'?: string[];
  [extra: string]: unknown;
}

/** Docker's zero container.Config, with its key order (which JSON.stringify keeps). */
export function emptyContainerConfig(): ContainerConfig {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
  };
}

/**
 * Fills in any container.Config fields missing from a config written by
 * another tool (BuildKit omits empty ones) and puts them in Docker's order,
 * for inspect output.
 */
export function normalizeContainerConfig(c: Partial<ContainerConfig> | undefined | null): ContainerConfig {
  const base = emptyContainerConfig();
  const src = c ?? {};
  const out: Record<string, unknown> = {};
  const order = [
    'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty',
    'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Image', 'Volumes', 'WorkingDir',
    'Entrypoint', 'OnBuild', 'Labels', 'StopSignal', 'Shell',
  ] as const;
  for (const key of order) {
    const v = (src as Record<string, unknown>)[key] ?? (base as unknown as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as unknown as ContainerConfig;
}

/**
 * Serialises a config the way Docker does: top-level keys sorted (Docker
 * marshals through a map), no whitespace. The bytes are what the image ID hashes.
 */
export function serializeConfig(config: ImageConfig): Buffer {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(config).sort()) {
    const v = config[key];
    if (v !== undefined) sorted[key] = v;
  }
  return Buffer.from(JSON.stringify(sorted));
}

export function parseConfig(bytes: Uint8Array): ImageConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return invalid('image config is not valid JSON');
  }
  const c = parsed as ImageConfig;
  if (typeof c !== 'object' || c === null || c.rootfs?.type !== 'layers' || !Array.isArray(c.rootfs.diff_ids)) {
    return invalid('image config has no rootfs.diff_ids');
  }
  return c;
}

function invalid(message: string): never {
  throw new DrydockError('invalid-archive', message);
}
