import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DrydockError } from '../errors.js';
import { CniRunner, type CniConfList, type CniResult, type CniRuntime } from './cni.js';
import { DEFAULT_TOOL_PATH, assertSafeName, run, runChecked } from './exec.js';
import { cidrsOverlap, formatCidr, nthAddress, parseCidr, type Ipv4Cidr } from './ipv4.js';
import { NetnsManager } from './netns.js';
import type { PortSpec, PublishedPort } from './port-spec.js';
import { PortAllocator, isAnyAddress } from './ports.js';

/** Docker's `--network` modes that need no user-defined network. */
export type NetworkMode = 'bridge' | 'host' | 'none';

export interface NetworkConfig {
  /** This engine's network state: CNI result cache, attachments. */
  stateDir: string;
  /**
   * The bridge's own state, shared by every state root that uses the bridge (one address
   * space, one host's ports): IPAM leases and host-port reservations. Default
   * `/run/drydock/networks/<bridge>`, which a reboot empties as it removes the bridge.
   */
  bridgeStateDir?: string;
  /** Where CNI plugins live; default `['/usr/lib/cni', '/opt/cni/bin']` (Debian's, then upstream's). */
  pluginDirs?: string[];
  /** PATH for `ip` and for the plugins' `iptables`. */
  toolPath?: string;
  /** Linux bridge of the default network; default `drydock0`. */
  bridge?: string;
  /** CNI network name (names the IPAM store and iptables chains); default `drydock`. */
  networkName?: string;
  /** IPv4 subnet of the bridge; default `172.29.0.0/16`. The gateway (bridge address) is its first address. */
  subnet?: string;
  /** Prefix of container namespace names; default `drydock-`. */
  netnsPrefix?: string;
  /** Accept the bridge's traffic in FORWARD (needed when FORWARD's policy is DROP, as dockerd sets it); default true. */
  firewall?: boolean;
  /** Set /proc/sys/net/ipv4/ip_forward to 1 before the first bridge attach (as dockerd does); default true. */
  enableIpForward?: boolean;
}

export interface AttachOptions {
  /** Default `bridge`. */
  mode?: NetworkMode;
  /** `-p` specs (see `parsePortSpecs`); only `bridge` publishes them. */
  ports?: readonly PortSpec[];
}

/** A container's network as the runtime and `inspect` need it. */
export interface NetworkAttachment {
  containerId: string;
  mode: NetworkMode;
  /** The namespace to join (OCI `linux.namespaces` net path); null for `host`. */
  netnsPath: string | null;
  /** The container's IPv4 address on the bridge; null unless `bridge`. */
  ip: string | null;
  prefixLength: number | null;
  gateway: string | null;
  mac: string | null;
  /** Published ports with their settled host ports. */
  ports: PublishedPort[];
  /** Docker's warnings, e.g. published ports ignored in host mode. */
  warnings: string[];
}

const IFNAME = 'eth0';

/**
 * Container networking for Docker's `--network bridge|host|none`, by running the real CNI
 * plugins. `bridge` is one network: the `bridge` plugin (bridge `drydock0`, gateway,
 * host-local IPAM), chained with `portmap` when ports are published (the `portMappings`
 * capability); `loopback` is called on its own. As dockerd does, the network's masquerade
 * and FORWARD rules are the network's, not each container's: installed once (see
 * `ensureBridgeRules`), so an attach runs no iptables. `none` and `host` need no namespace
 * here: for `none` the OCI runtime makes one (it brings `lo` up itself), `host` shares the
 * host's. State lives under `stateDir`, shared safely by several processes; requires root.
 */
export class ContainerNetworks {
  readonly bridge: string;
  readonly networkName: string;
  readonly subnet: Ipv4Cidr;
  readonly gateway: string;
  readonly netns: NetnsManager;
  readonly cni: CniRunner;
  readonly ports: PortAllocator;
  private readonly toolPath: string;
  private readonly bridgeDir: string;
  private version: Promise<string> | undefined;

  constructor(private readonly config: NetworkConfig) {
    this.bridge = config.bridge ?? 'drydock0';
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(this.bridge)) throw new DrydockError('invalid-argument', `invalid bridge name ${JSON.stringify(this.bridge)}`);
    this.networkName = config.networkName ?? 'drydock';
    assertSafeName('network name', this.networkName);
    this.subnet = parseCidr(config.subnet ?? '172.29.0.0/16', true);
    if (this.subnet.prefix < 8 || this.subnet.prefix > 30) throw new DrydockError('invalid-argument', `subnet ${formatCidr(this.subnet)} must be between /8 and /30`);
    this.gateway = nthAddress(this.subnet, 1);
    this.toolPath = config.toolPath ?? DEFAULT_TOOL_PATH;
    this.netns = new NetnsManager({ prefix: config.netnsPrefix ?? 'drydock-', toolPath: this.toolPath });
    this.cni = new CniRunner({
      pluginDirs: config.pluginDirs ?? ['/usr/lib/cni', '/opt/cni/bin'],
      cacheDir: join(config.stateDir, 'cni-cache'),
      versionCacheFile: join(config.stateDir, 'cni-versions.json'),
      toolPath: this.toolPath,
    });
    this.bridgeDir = config.bridgeStateDir ?? join('/run/drydock/networks', this.bridge);
    this.ports = new PortAllocator(join(this.bridgeDir, 'ports'));
  }

  /** The CNI version every plugin supports (1.0.0 with Debian 12's plugins). */
  private cniVersion(): Promise<string> {
    this.version ??= this.cni.negotiateVersion(['bridge', 'host-local', 'portmap', 'loopback']).catch((err: unknown) => {
      this.version = undefined; // a missing plugin may be installed later
      throw err;
    });
    return this.version;
  }

  /** The bridge network's conflist; `portmap` is chained only for a container that publishes ports. */
  async conflist(opts: { ports?: boolean } = {}): Promise<CniConfList> {
    const plugins: CniConfList['plugins'] = [
      {
        type: 'bridge',
        bridge: this.bridge,
        isGateway: true,
        ipMasq: false, // the network's one masquerade rule (ensureBridgeRules)
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: formatCidr(this.subnet), gateway: this.gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: join(this.bridgeDir, 'ipam'),
        },
      },
    ];
    if (opts.ports !== false) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
    return { cniVersion: await this.cniVersion(), name: this.networkName, plugins };
  }

  /**
   * Gives a container its network. `bridge`: a new namespace with `lo` up and `eth0` on the
   * bridge (address, default route via the gateway), host ports reserved and DNATed to it;
   * `none` and `host`: nothing to create (`netnsPath` null: the runtime makes `none`'s). All or nothing: on failure
   * everything made so far is undone. Throws `conflict` when the container is already
   * attached or a host port is taken (Docker's `Bind for …: port is already allocated`).
   */
  async attach(containerId: string, options: AttachOptions = {}): Promise<NetworkAttachment> {
    assertSafeName('container ID', containerId);
    const mode = options.mode ?? 'bridge';
    if (!['bridge', 'host', 'none'].includes(mode)) throw new DrydockError('unsupported', `network mode ${String(mode)} is not supported`);
    if (await this.inspect(containerId)) throw new DrydockError('conflict', `container ${containerId} is already attached to a network`);
    const v6 = mode === 'bridge' ? options.ports?.find((p) => p.hostIp.includes(':') && p.hostIp !== '::') : undefined;
    if (v6) throw new DrydockError('unsupported', `cannot publish on ${v6.hostIp}: the ${this.networkName} bridge network is IPv4-only`);
    const attachment: NetworkAttachment = { containerId, mode, netnsPath: null, ip: null, prefixLength: null, gateway: null, mac: null, ports: [], warnings: [] };
    if (mode !== 'bridge') {
      if (mode === 'host' && options.ports?.length) attachment.warnings.push('Published ports are discarded when using host network mode');
      await this.writeRecord(attachment);
      return attachment;
    }
    await this.detach(containerId); // leftovers of a crashed attach (namespace, reservations, cache)
    const version = this.cniVersion(); // asked while the namespace is made
    version.catch(() => undefined); // awaited below, once the namespace is ours to undo
    const netnsPath = await this.netns.create(containerId);
    attachment.netnsPath = netnsPath;
    try {
      const cniVersion = await version;
      attachment.ports = await this.ports.allocate(containerId, options.ports ?? []);
      if (this.config.enableIpForward !== false) await enableIpForward();
      if (!existsSync(`/sys/class/net/${this.bridge}`)) await this.assertSubnetFree();
      const lo: CniConfList = { cniVersion, name: `${this.networkName}-lo`, plugins: [{ type: 'loopback' }] };
      // Loopback and eth0 are independent: set up together.
      const [, result] = await Promise.all([
        this.cni.add(lo, { containerId, netnsPath, ifName: 'lo' }, { cache: false }),
        this.conflist({ ports: attachment.ports.length > 0 }).then((list) => this.cni.add(list, this.runtime(containerId, netnsPath, attachment.ports))),
      ]);
      Object.assign(attachment, addressOf(result));
      await this.ensureBridgeRules();
      await this.writeRecord(attachment);
      return attachment;
    } catch (err) {
      await this.detach(containerId).catch(() => {});
      throw err;
    }
  }

  /**
   * Undoes `attach`: the namespace (and with it the veth) and CNI DEL (frees the IPAM lease,
   * removes the DNAT rules, and the per-container rules of attachments made before the
   * network's own), then the port reservations. Idempotent; returns false when nothing was
   * attached. If a plugin's DEL fails, the cached result and state are kept and the error is
   * thrown, so the call can be retried.
   */
  async detach(containerId: string): Promise<boolean> {
    assertSafeName('container ID', containerId);
    const record = await this.inspect(containerId);
    const netnsPath = this.netns.pathFor(containerId);
    let found = record !== null;
    const cached = await this.cni.cachedConfig(this.networkName, containerId, IFNAME);
    if (cached) {
      found = true;
      // DEL without the namespace (CNI_NETNS empty, as for a namespace already gone) while it is
      // deleted: its end takes the veth with it in the kernel's own time, where the bridge plugin
      // would wait for the link's deletion, and the plugin only frees the address. Only a
      // per-container masquerade (attachments from before the network's rules) needs the
      // namespace for DEL, to find the address it was for.
      const needsNetns = cached.plugins.some((p) => p.type === 'bridge' && p['ipMasq'] === true);
      const ports = record?.ports ?? [];
      if (needsNetns) await this.cni.del(cached, this.runtime(containerId, netnsPath, ports));
      else {
        const [removed, deleted] = await Promise.allSettled([this.netns.remove(containerId), this.cni.del(cached, this.runtime(containerId, '', ports))]);
        if (removed.status === 'rejected') throw removed.reason;
        if (deleted.status === 'rejected') throw deleted.reason;
      }
    }
    if (await this.netns.remove(containerId)) found = true;
    if ((await this.ports.release(containerId)) > 0) found = true;
    await rm(this.recordPath(containerId), { force: true });
    return found;
  }

  /** CNI CHECK for `bridge` (and that its namespace exists). Throws when broken. */
  async check(containerId: string): Promise<void> {
    const record = await this.inspect(containerId);
    if (!record) throw new DrydockError('not-found', `container ${containerId} has no network`);
    if (record.mode === 'bridge' && !this.netns.exists(containerId)) {
      throw new DrydockError('not-found', `network namespace of container ${containerId} is gone`);
    }
    if (record.mode === 'bridge') await this.cni.check(await this.conflist(), this.runtime(containerId, record.netnsPath ?? '', record.ports));
  }

  /** The attachment recorded for a container, or null. */
  async inspect(containerId: string): Promise<NetworkAttachment | null> {
    try {
      return JSON.parse(await readFile(this.recordPath(containerId), 'utf8')) as NetworkAttachment;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return null;
      throw new DrydockError('io', `cannot read network state of ${containerId}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Every recorded attachment. */
  async list(): Promise<NetworkAttachment[]> {
    const names = await readdir(join(this.config.stateDir, 'attachments')).catch(() => [] as string[]);
    const out: NetworkAttachment[] = [];
    for (const n of names.filter((x) => x.endsWith('.json'))) {
      const a = await this.inspect(n.slice(0, -5));
      if (a) out.push(a);
    }
    return out;
  }

  /**
   * Detaches every container not in `liveIds` that left anything behind (a record, a
   * namespace, a CNI cache entry or a port reservation), e.g. after a crash. Returns their IDs.
   */
  async prune(liveIds: Iterable<string>): Promise<string[]> {
    const live = new Set(liveIds);
    const ids = new Set<string>([
      ...(await this.list()).map((a) => a.containerId),
      ...this.netns.list(),
      ...(await this.cni.cachedContainers(this.networkName)),
      ...(await this.ports.list()).map((r) => r.containerId),
    ]);
    const pruned = [...ids].filter((id) => !live.has(id));
    for (const id of pruned) await this.detach(id);
    return pruned;
  }

  /** Deletes the bridge and its rules when no container uses it (the plugin creates it on first attach). */
  async removeBridge(): Promise<boolean> {
    if ((await this.list()).some((a) => a.mode === 'bridge') || (await this.leasesHeld())) throw new DrydockError('conflict', `bridge ${this.bridge} is in use`);
    await rm(this.rulesMarker(), { force: true });
    await rm(this.bridgeDir, { recursive: true, force: true });
    for (const r of this.bridgeRules()) {
      // -D removes one copy; two processes racing to install may have added two.
      for (let i = 0; i < 8 && (await this.iptables(['-t', r.table, '-D', r.chain, ...r.spec])).code === 0; i++);
    }
    if (!existsSync(`/sys/class/net/${this.bridge}`)) return false;
    await runChecked('ip', ['link', 'delete', this.bridge, 'type', 'bridge'], { env: { PATH: this.toolPath } });
    return true;
  }

  /** Whether any container (of any state root) holds an address on the bridge: host-local keeps one file per address. */
  private async leasesHeld(): Promise<boolean> {
    const names = await readdir(join(this.bridgeDir, 'ipam', this.networkName)).catch(() => [] as string[]);
    return names.some((n) => /^[0-9.]+$/.test(n));
  }

  /**
   * The network's own rules, as dockerd has for docker0: masquerade what leaves the subnet
   * for another interface, and (unless `firewall: false`) accept forwarding out of the bridge
   * and replies into it, ahead of a DROP policy.
   */
  private bridgeRules(): { table: 'nat' | 'filter'; chain: string; spec: string[] }[] {
    const rules: { table: 'nat' | 'filter'; chain: string; spec: string[] }[] = [
      { table: 'nat', chain: 'POSTROUTING', spec: ['-s', formatCidr(this.subnet), '!', '-o', this.bridge, '-j', 'MASQUERADE'] },
    ];
    if (this.config.firewall !== false) {
      rules.push(
        { table: 'filter', chain: 'FORWARD', spec: ['-i', this.bridge, '-j', 'ACCEPT'] },
        { table: 'filter', chain: 'FORWARD', spec: ['-o', this.bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] },
      );
    }
    return rules;
  }

  /**
   * Installs the network's rules once per bridge: a marker in the state dir names the boot and
   * the bridge's interface index it was done for, so each attach costs one read, and a reboot
   * or a recreated bridge installs them again (each only if `iptables -C` misses it).
   */
  private async ensureBridgeRules(): Promise<void> {
    const key = JSON.stringify({
      boot: (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim(),
      ifindex: (await readFile(`/sys/class/net/${this.bridge}/ifindex`, 'utf8').catch(() => '')).trim(),
      subnet: formatCidr(this.subnet),
      firewall: this.config.firewall !== false,
    });
    if ((await readFile(this.rulesMarker(), 'utf8').catch(() => '')) === key) return;
    for (const r of this.bridgeRules()) {
      if ((await this.iptables(['-t', r.table, '-C', r.chain, ...r.spec])).code === 0) continue;
      const res = await this.iptables(['-t', r.table, '-I', r.chain, ...r.spec]);
      if (res.code !== 0) throw new DrydockError('io', `iptables -t ${r.table} -I ${r.chain} ${r.spec.join(' ')}: ${res.stderr.trim() || `exit status ${res.code}`}`);
    }
    await mkdir(this.config.stateDir, { recursive: true });
    const tmp = `${this.rulesMarker()}.${process.pid}.tmp`;
    await writeFile(tmp, key);
    await rename(tmp, this.rulesMarker());
  }

  private iptables(args: string[]) {
    return run('iptables', ['-w', ...args], { env: { PATH: this.toolPath } });
  }

  private rulesMarker(): string {
    return join(this.config.stateDir, 'bridge-rules.json');
  }

  private runtime(containerId: string, netnsPath: string, ports: readonly PublishedPort[]): CniRuntime {
    const portMappings = ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.proto, ...(isAnyAddress(p.hostIp) ? {} : { hostIP: p.hostIp }) }));
    return { containerId, netnsPath, ifName: IFNAME, capabilityArgs: { portMappings } };
  }

  /** Refuses a subnet that overlaps a route the host already has (e.g. its LAN or dockerd's). */
  private async assertSubnetFree(): Promise<void> {
    const res = await run('ip', ['-j', '-4', 'route', 'show'], { env: { PATH: this.toolPath } });
    if (res.code !== 0) return;
    const routes = JSON.parse(res.stdout || '[]') as { dst?: string; dev?: string }[];
    for (const r of routes) {
      if (!r.dst || r.dst === 'default' || r.dev === this.bridge) continue;
      if (cidrsOverlap(parseCidr(r.dst), this.subnet)) {
        throw new DrydockError('conflict', `subnet ${formatCidr(this.subnet)} overlaps the host's route to ${r.dst} via ${r.dev ?? '?'}: choose another subnet`);
      }
    }
  }

  private recordPath(containerId: string): string {
    assertSafeName('container ID', containerId);
    return join(this.config.stateDir, 'attachments', `${containerId}.json`);
  }

  private async writeRecord(a: NetworkAttachment): Promise<void> {
    const path = this.recordPath(a.containerId);
    await mkdir(join(this.config.stateDir, 'attachments'), { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify(a, null, 2));
    await rename(`${path}.tmp`, path);
  }
}

/** The container-side IPv4 address, gateway and MAC from a chain's result. */
function addressOf(result: CniResult): Pick<NetworkAttachment, 'ip' | 'prefixLength' | 'gateway' | 'mac'> {
  const ipc = (result.ips ?? []).find((i) => !i.address.includes(':'));
  if (!ipc) throw new DrydockError('internal', 'the bridge plugin returned no IPv4 address');
  const [ip = '', prefix = '32'] = ipc.address.split('/');
  const iface = ipc.interface !== undefined ? result.interfaces?.[ipc.interface] : result.interfaces?.find((i) => i.sandbox);
  return { ip, prefixLength: Number(prefix), gateway: ipc.gateway ?? null, mac: iface?.mac ?? null };
}

/** Routing between the bridge and the host's other interfaces, as dockerd enables it. */
async function enableIpForward(): Promise<void> {
  const path = '/proc/sys/net/ipv4/ip_forward';
  try {
    if ((await readFile(path, 'utf8')).trim() !== '1') await writeFile(path, '1\n');
  } catch (err) {
    throw new DrydockError('io', `cannot enable IP forwarding (${path}): ${(err as Error).message}`, { cause: err });
  }
}
