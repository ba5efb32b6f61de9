import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DrydockError } from '../errors.js';
import { DEFAULT_TOOL_PATH, assertSafeName, runChecked } from './exec.js';

/** Where iproute2 keeps named namespaces (a bind mount of each `/proc/<pid>/ns/net`). */
export const NETNS_RUN_DIR = '/run/netns';

export interface NetnsOptions {
  /** Prefix of every namespace this engine names; default `drydock-`. */
  prefix?: string;
  /** PATH used to find `ip`. */
  toolPath?: string;
}

/**
 * Named network namespaces, one per container: `ip netns add <prefix><id>` creates
 * `/run/netns/<prefix><id>`, a bind mount that keeps the namespace alive with no process in
 * it, so the namespace can be set up before the container starts and outlives its processes
 * until `remove`. Requires root (CAP_SYS_ADMIN).
 */
export class NetnsManager {
  readonly prefix: string;
  private readonly env: Record<string, string>;

  constructor(options: NetnsOptions = {}) {
    this.prefix = options.prefix ?? 'drydock-';
    assertSafeName('namespace prefix', `${this.prefix}x`);
    this.env = { PATH: options.toolPath ?? DEFAULT_TOOL_PATH };
  }

  /** The namespace name for a container (throws `invalid-argument` for an unsafe ID). */
  nameFor(containerId: string): string {
    assertSafeName('container ID', containerId);
    return `${this.prefix}${containerId}`;
  }

  /** The path runtimes (`setns`, OCI `linux.namespaces[].path`) and CNI_NETNS use. */
  pathFor(containerId: string): string {
    return join(NETNS_RUN_DIR, this.nameFor(containerId));
  }

  exists(containerId: string): boolean {
    return existsSync(this.pathFor(containerId));
  }

  /**
   * Creates the container's namespace (only `lo`, down) and returns its path.
   * Throws `conflict` when it already exists.
   */
  async create(containerId: string): Promise<string> {
    const name = this.nameFor(containerId);
    if (this.exists(containerId)) {
      throw new DrydockError('conflict', `network namespace ${name} already exists`);
    }
    await runChecked('ip', ['netns', 'add', name], { env: this.env });
    return this.pathFor(containerId);
  }

  /**
   * Deletes the container's namespace; returns false when there was none (idempotent).
   * The namespace itself lives on while a process is still inside it, but it loses its
   * name, and every interface in it goes away with the last reference.
   */
  async remove(containerId: string): Promise<boolean> {
    const name = this.nameFor(containerId);
    if (!this.exists(containerId)) return false;
    try {
      await runChecked('ip', ['netns', 'delete', name], { env: this.env });
    } catch (err) {
      if (!this.exists(containerId)) return true; // deleted concurrently
      throw err;
    }
    return true;
  }

  /** Brings an interface (by default `lo`) up inside the namespace. */
  async linkUp(containerId: string, ifName = 'lo'): Promise<void> {
    await runChecked('ip', ['-n', this.nameFor(containerId), 'link', 'set', ifName, 'up'], { env: this.env });
  }

  /** Container IDs that have a namespace with this manager's prefix. */
  list(): string[] {
    let names: string[];
    try {
      names = readdirSync(NETNS_RUN_DIR);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new DrydockError('io', `cannot list ${NETNS_RUN_DIR}: ${(err as Error).message}`, { cause: err });
    }
    return names.filter((n) => n.startsWith(this.prefix) && n.length > this.prefix.length).map((n) => n.slice(this.prefix.length));
  }

  /** Namespaces whose container is not in `liveIds`: left behind by a crash, to be removed. */
  stale(liveIds: Iterable<string>): string[] {
    const live = new Set(liveIds);
    return this.list().filter((id) => !live.has(id));
  }
}
