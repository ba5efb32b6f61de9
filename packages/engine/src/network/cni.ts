import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { DrydockError, type ErrorCode } from '../errors.js';
import { DEFAULT_TOOL_PATH, assertSafeName, oneLine, run } from './exec.js';

/** One plugin of a network configuration list: `type` names the executable. */
export interface CniPluginConf {
  type: string;
  /** Capabilities this plugin accepts in `runtimeConfig` (e.g. `{ portMappings: true }`). */
  capabilities?: Record<string, boolean>;
  [field: string]: unknown;
}

/** A network configuration list (`.conflist`): plugins run as a chain. */
export interface CniConfList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
  disableCheck?: boolean;
}

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface CniIpConfig {
  /** CIDR notation: `172.29.0.2/16`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
  /** Only in 0.x results: `"4"` or `"6"`. */
  version?: string;
}

/** A plugin's result (the 1.0.0 shape; 0.4.0 only adds `ips[].version`). */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: { dst: string; gw?: string }[];
  dns?: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
}

/** What the runtime knows about one attachment: the spec's runtime parameters. */
export interface CniRuntime {
  containerId: string;
  /** CNI_NETNS: the namespace path. May no longer exist on DEL. */
  netnsPath: string;
  /** CNI_IFNAME: the interface to create inside the namespace, e.g. `eth0`. */
  ifName: string;
  /** CNI_ARGS as key/value pairs (`IgnoreUnknown=1` is added). */
  args?: Record<string, string>;
  /** Values for plugin capabilities, passed as `runtimeConfig` to plugins that declare them. */
  capabilityArgs?: Record<string, unknown>;
}

export interface CniVersionInfo {
  cniVersion: string;
  supportedVersions: string[];
}

export interface CniOptions {
  /** Directories searched, in order, for plugin executables (CNI_PATH). */
  pluginDirs: string[];
  /** Where ADD results are cached for DEL and CHECK (like libcni's /var/lib/cni/results). */
  cacheDir: string;
  /** PATH for plugins, which run `iptables` and friends. */
  toolPath?: string;
  /** Per-plugin timeout; default 60 s. */
  timeoutMs?: number;
  /**
   * A file that keeps each plugin's VERSION answer, keyed by the executable's path, size and
   * mtime, so a process that attaches one container does not exec every plugin to ask again.
   */
  versionCacheFile?: string;
}

/** VERSION answers by plugin path; `stamp` is the executable's size and mtime when asked. */
type VersionCache = Record<string, { stamp: string; info: CniVersionInfo }>;

/** What ADD leaves behind so DEL runs the same chain with the same inputs. */
interface CacheEntry {
  kind: 'drydock-cni-cache/v1';
  config: CniConfList;
  runtime: CniRuntime;
  result: CniResult;
}

type Command = 'ADD' | 'DEL' | 'CHECK';

/**
 * Runs CNI plugins as the spec says: each invocation gets CNI_COMMAND, CNI_CONTAINERID,
 * CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH in its environment and its configuration on
 * stdin, and answers with a result (or an error object) on stdout. A list runs as a chain:
 * ADD in order, each plugin receiving the previous one's result as `prevResult`; DEL in
 * reverse order and CHECK in order, both with the cached final ADD result as `prevResult`.
 * Plugin failures become one-line `DrydockError`s carrying the plugin's `msg`.
 */
export class CniRunner {
  private readonly toolPath: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: CniOptions) {
    this.toolPath = options.toolPath ?? DEFAULT_TOOL_PATH;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** The executable for a plugin type; `not-found` when no plugin dir has it. */
  findPlugin(type: string): string {
    assertSafeName('CNI plugin type', type);
    for (const dir of this.options.pluginDirs) {
      const path = join(dir, type);
      try {
        if (statSync(path).isFile()) return path;
      } catch {
        // try the next directory
      }
    }
    throw new DrydockError('not-found', `CNI plugin ${type} not found in ${this.options.pluginDirs.join(':')}`);
  }

  /** CNI_COMMAND=VERSION: the spec versions a plugin speaks (from `versionCacheFile` while the executable is unchanged). */
  async version(type: string): Promise<CniVersionInfo> {
    return (await this.versions([type]))[0]!;
  }

  /** The first of `preferred` that every plugin in `types` supports; `unsupported` if none. */
  async negotiateVersion(types: string[], preferred: string[] = ['1.0.0', '0.4.0']): Promise<string> {
    const infos = await this.versions([...new Set(types)]);
    const found = preferred.find((v) => infos.every((i) => i.supportedVersions.includes(v)));
    if (!found) throw new DrydockError('unsupported', `CNI plugins ${types.join(', ')} share none of CNI versions ${preferred.join(', ')}`);
    return found;
  }

  /** VERSION of each plugin: cached answers for unchanged executables, the others asked (in parallel) and stored. */
  private async versions(types: string[]): Promise<CniVersionInfo[]> {
    const paths = types.map((t) => this.findPlugin(t));
    const stamps = paths.map(fileStamp);
    const file = this.options.versionCacheFile;
    const cache = file ? await readVersionCache(file) : {};
    let asked = false;
    const infos = await Promise.all(
      types.map(async (type, i) => {
        const hit = cache[paths[i]!];
        if (hit && hit.stamp === stamps[i]) return hit.info;
        const answer = (await this.exec(type, 'VERSION', { containerId: '', netnsPath: '', ifName: '' }, { cniVersion: '1.0.0' })) as Partial<CniVersionInfo>;
        if (!Array.isArray(answer.supportedVersions)) throw new DrydockError('internal', `CNI plugin ${type}: malformed VERSION answer`);
        const info = { cniVersion: String(answer.cniVersion), supportedVersions: answer.supportedVersions.map(String) };
        cache[paths[i]!] = { stamp: stamps[i]!, info };
        asked = true;
        return info;
      }),
    );
    if (file && asked) await writeAtomic(file, JSON.stringify(cache));
    return infos;
  }

  /**
   * ADD: runs the chain and caches its final result (for DEL/CHECK) under `cacheDir`.
   * When a plugin fails, the chain is deleted again (best effort) so no lease, link or rule
   * is left behind, and the plugin's error is thrown. `cache: false` skips the cache, for
   * chains that need no DEL (e.g. `loopback`, undone by deleting the namespace).
   */
  async add(list: CniConfList, rt: CniRuntime, options: { cache?: boolean } = {}): Promise<CniResult> {
    validateList(list);
    let prev: CniResult | undefined;
    try {
      for (const plugin of list.plugins) {
        prev = parseResult(plugin.type, await this.exec(plugin.type, 'ADD', rt, pluginConfig(list, plugin, rt, prev)));
      }
    } catch (err) {
      await this.runDel(list, rt, prev).catch(() => {});
      throw err;
    }
    const result = prev ?? { cniVersion: list.cniVersion };
    if (options.cache === false) return result;
    const entry: CacheEntry = { kind: 'drydock-cni-cache/v1', config: list, runtime: rt, result };
    await this.writeCache(list.name, rt, entry);
    return result;
  }

  /**
   * DEL: tears the chain down in reverse order. Uses the configuration and runtime values
   * cached at ADD when there are any (so port mappings and the like match), otherwise `list`
   * and `rt`. Plugins treat DEL of something already gone as success, so this is
   * idempotent; the cache entry is removed once every plugin succeeded.
   */
  async del(list: CniConfList, rt: CniRuntime): Promise<void> {
    validateList(list);
    const cached = await this.cached(list.name, rt.containerId, rt.ifName);
    const netnsPath = rt.netnsPath;
    await this.runDel(cached?.config ?? list, { ...(cached?.runtime ?? rt), netnsPath }, cached?.result);
    await rm(this.cachePath(list.name, rt.containerId, rt.ifName), { force: true });
  }

  /** CHECK: asks every plugin whether the attachment is still as ADD left it. */
  async check(list: CniConfList, rt: CniRuntime): Promise<void> {
    validateList(list);
    if (list.disableCheck) return;
    if (!['0.4.0', '1.0.0'].includes(list.cniVersion) && !list.cniVersion.startsWith('1.')) {
      throw new DrydockError('unsupported', `CNI CHECK needs cniVersion 0.4.0 or later, not ${list.cniVersion}`);
    }
    const cached = await this.cached(list.name, rt.containerId, rt.ifName);
    if (!cached) throw new DrydockError('not-found', `no cached CNI result for ${rt.containerId} on network ${list.name}`);
    for (const plugin of cached.config.plugins) {
      await this.exec(plugin.type, 'CHECK', cached.runtime, pluginConfig(cached.config, plugin, cached.runtime, cached.result));
    }
  }

  /** The final ADD result cached for an attachment, or null. */
  async cachedResult(network: string, containerId: string, ifName: string): Promise<CniResult | null> {
    return (await this.cached(network, containerId, ifName))?.result ?? null;
  }

  /** The configuration list an attachment was ADDed with (what DEL will run), or null. */
  async cachedConfig(network: string, containerId: string, ifName: string): Promise<CniConfList | null> {
    return (await this.cached(network, containerId, ifName))?.config ?? null;
  }

  /** Container IDs with a cached result on `network` (for finding leftovers). */
  async cachedContainers(network: string): Promise<string[]> {
    const names = await readdir(this.options.cacheDir).catch(() => [] as string[]);
    const ids: string[] = [];
    for (const n of names) {
      if (!n.startsWith(`${network}--`) || !n.endsWith('.json')) continue;
      const entry = await this.readCache(join(this.options.cacheDir, n));
      if (entry) ids.push(entry.runtime.containerId);
    }
    return ids;
  }

  private async runDel(list: CniConfList, rt: CniRuntime, prevResult: CniResult | undefined): Promise<void> {
    const failures: DrydockError[] = [];
    for (const plugin of [...list.plugins].reverse()) {
      try {
        await this.exec(plugin.type, 'DEL', rt, pluginConfig(list, plugin, rt, prevResult));
      } catch (err) {
        failures.push(err as DrydockError);
      }
    }
    if (failures[0]) throw failures[0];
  }

  /** One plugin invocation; returns its parsed stdout (or {} for an empty answer). */
  private async exec(type: string, command: Command | 'VERSION', rt: CniRuntime, config: unknown): Promise<unknown> {
    const path = this.findPlugin(type);
    const cniArgs = rt.args ? Object.entries({ IgnoreUnknown: '1', ...rt.args }).map(([k, v]) => `${k}=${v}`).join(';') : '';
    const env: Record<string, string> = {
      CNI_COMMAND: command,
      CNI_CONTAINERID: rt.containerId,
      CNI_NETNS: command === 'DEL' && rt.netnsPath && !existsSync(rt.netnsPath) ? '' : rt.netnsPath,
      CNI_IFNAME: rt.ifName,
      CNI_ARGS: cniArgs,
      CNI_PATH: this.options.pluginDirs.join(':'),
      PATH: this.toolPath,
    };
    const res = await run(path, [], { env, input: JSON.stringify(config), timeoutMs: this.timeoutMs });
    let parsed: unknown = {};
    const text = res.stdout.trim();
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.code === 0) throw new DrydockError('internal', `CNI plugin ${type} ${command}: output is not JSON: ${oneLine(text).slice(0, 200)}`);
      }
    }
    if (res.code !== 0 || res.timedOut) throw pluginError(type, command, res.timedOut, parsed, res.stderr);
    return parsed;
  }

  private cachePath(network: string, containerId: string, ifName: string): string {
    assertSafeName('network name', network);
    assertSafeName('container ID', containerId);
    assertSafeName('interface name', ifName);
    return join(this.options.cacheDir, `${network}--${containerId}--${ifName}.json`);
  }

  private async cached(network: string, containerId: string, ifName: string): Promise<CacheEntry | null> {
    return this.readCache(this.cachePath(network, containerId, ifName));
  }

  private async readCache(path: string): Promise<CacheEntry | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DrydockError('io', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const entry = JSON.parse(text) as CacheEntry;
      return entry.kind === 'drydock-cni-cache/v1' ? entry : null;
    } catch {
      return null; // a torn write from a crash: treat as absent
    }
  }

  private async writeCache(network: string, rt: CniRuntime, entry: CacheEntry): Promise<void> {
    await writeAtomic(this.cachePath(network, rt.containerId, rt.ifName), JSON.stringify(entry));
  }
}

/** Writes a file whole or not at all (its directory is created). */
async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function readVersionCache(file: string): Promise<VersionCache> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as VersionCache) : {};
  } catch {
    return {}; // absent or torn: ask the plugins
  }
}

/** An executable's identity for caching: its size and modification time. */
function fileStamp(path: string): string {
  const st = statSync(path);
  return `${st.size}:${st.mtimeMs}`;
}

/** The configuration one plugin of a list sees (spec section 4, "deriving execution configuration"). */
function pluginConfig(list: CniConfList, plugin: CniPluginConf, rt: CniRuntime, prevResult: CniResult | undefined): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(plugin.capabilities ?? {})) {
    const value = rt.capabilityArgs?.[cap];
    if (enabled && value !== undefined) runtimeConfig[cap] = value;
  }
  if (Object.keys(runtimeConfig).length > 0) conf['runtimeConfig'] = runtimeConfig;
  else delete conf['runtimeConfig'];
  if (prevResult) conf['prevResult'] = prevResult;
  return conf;
}

function validateList(list: CniConfList): void {
  assertSafeName('network name', list.name);
  if (!list.cniVersion) throw new DrydockError('invalid-argument', `network ${list.name}: cniVersion is required`);
  if (list.plugins.length === 0) throw new DrydockError('invalid-argument', `network ${list.name}: no plugins`);
}

function parseResult(type: string, out: unknown): CniResult {
  if (typeof out !== 'object' || out === null || typeof (out as CniResult).cniVersion !== 'string') {
    throw new DrydockError('internal', `CNI plugin ${type} ADD: result has no cniVersion`);
  }
  return out as CniResult;
}

/** CNI error codes (spec "Error"): 1 incompatible version, 2 unsupported field, 3 unknown container, 4 env, 5 I/O, 6 decode, 7 config, 11 try again. */
function pluginError(type: string, command: string, timedOut: boolean, parsed: unknown, stderr: string): DrydockError {
  if (timedOut) return new DrydockError('io', `CNI plugin ${type} ${command} timed out`);
  const e = parsed as { code?: number; msg?: string; details?: string };
  let message = oneLine(e.msg ?? '') || oneLine(stderr).slice(0, 300) || 'failed without a message';
  const details = oneLine(e.details ?? '');
  if (details && !message.includes(details)) message += `: ${details}`;
  const code: ErrorCode = e.code === 1 || e.code === 2 ? 'unsupported' : e.code === 3 ? 'not-found' : 'io';
  return new DrydockError(code, `CNI plugin ${type} ${command}: ${message}`);
}
