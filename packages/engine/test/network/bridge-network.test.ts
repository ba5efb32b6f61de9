import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isDrydockError } from '../../src/errors.js';
import { ContainerNetworks } from '../../src/network/bridge-network.js';
import { parsePortSpecs } from '../../src/network/port-spec.js';
import { requireNetworkTools, existingCniChains, fetchLine, fetchLineIn, hex, iptablesSave, removeCniChains, serveIn, sh } from './helpers.js';

beforeAll(requireNetworkTools);

const tag = hex(3);
const bridge = `ddt${tag}`;
const networkName = `ddtest-${tag}`;
const netnsPrefix = `ddtest-${tag}-`;
const subnetOctet = 100 + (parseInt(tag.slice(0, 2), 16) % 100);
const subnet = `10.213.${subnetOctet}.0/24`;
const gateway = `10.213.${subnetOctet}.1`;

describe('ContainerNetworks (real CNI plugins, root)', () => {
  let stateDir: string;
  let nets: ContainerNetworks;
  let chainsBefore: Set<string>;
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  const cleanups: (() => void)[] = [];

  beforeAll(() => {
    chainsBefore = existingCniChains();
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-net-'));
    nets = new ContainerNetworks({ stateDir, bridgeStateDir: join(stateDir, 'bridge'), bridge, networkName, subnet, netnsPrefix });
  });

  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const s of servers.splice(0)) s.close();
    for (const f of cleanups.splice(0)) f();
    await nets.prune([]);
  });

  afterAll(async () => {
    await nets.prune([]);
    await nets.removeBridge().catch(() => {});
    removeCniChains(chainsBefore);
    rmSync(stateDir, { recursive: true, force: true });
    expect(iptablesSave('nat') + iptablesSave('filter')).not.toContain(networkName);
    expect(iptablesSave('nat') + iptablesSave('filter')).not.toContain(bridge);
  });

  const nsName = (id: string) => `${netnsPrefix}${id}`;
  const listenOnHost = (host: string, port: number) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer((sock) => sock.end(JSON.stringify({ tag: 'host', from: sock.remoteAddress }) + '\n'));
      s.once('error', reject);
      s.listen(port, host, () => {
        servers.push(s);
        resolve(s);
      });
    });
  const freePort = async () => {
    const s = await listenOnHost('127.0.0.1', 0);
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    return port;
  };

  it('attaches a namespace to the bridge: an address in the subnet, lo up and a default route via the gateway', async () => {
    const a = await nets.attach('c1');
    expect(a).toMatchObject({ mode: 'bridge', netnsPath: `/run/netns/${nsName('c1')}`, gateway, prefixLength: 24, ports: [] });
    expect(a.ip).toMatch(new RegExp(`^10\\.213\\.${subnetOctet}\\.\\d+$`));
    expect(a.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(existsSync(a.netnsPath!)).toBe(true);
    expect(sh('ip', ['-n', nsName('c1'), 'route', 'show', 'default'])).toContain(`default via ${gateway} dev eth0`);
    expect(sh('ip', ['-n', nsName('c1'), '-4', 'addr', 'show', 'eth0'])).toContain(`${a.ip}/24`);
    expect(sh('ip', ['-n', nsName('c1'), 'link', 'show', 'lo'])).toMatch(/state UNKNOWN|,UP/);
    expect(sh('ip', ['-4', 'addr', 'show', bridge])).toContain(`${gateway}/24`);
    expect(await nets.inspect('c1')).toEqual(a);
    await nets.check('c1');
    await expect(nets.attach('c1')).rejects.toThrow('container c1 is already attached to a network');
  });

  it('publishes a port: a server in the container is reachable on 127.0.0.1 and the bridge address', async () => {
    const hostPort = await freePort();
    const a = await nets.attach('web', { ports: parsePortSpecs([`${hostPort}:8080`]) });
    expect(a.ports).toEqual([{ hostIp: '', hostPort, containerPort: 8080, proto: 'tcp' }]);
    children.push(await serveIn(nsName('web'), '0.0.0.0', 8080, 'web'));
    expect(JSON.parse(await fetchLine('127.0.0.1', hostPort))).toMatchObject({ tag: 'web' });
    expect(JSON.parse(await fetchLine(gateway, hostPort))).toMatchObject({ tag: 'web' });
    // and directly, host to container address
    expect(JSON.parse(await fetchLine(a.ip!, 8080))).toMatchObject({ tag: 'web', from: gateway });
    // hairpin: the container itself, and a neighbour, through the published port on the bridge address
    expect(JSON.parse(await fetchLineIn(nsName('web'), gateway, hostPort))).toMatchObject({ tag: 'web' });
    await nets.attach('neighbour');
    expect(JSON.parse(await fetchLineIn(nsName('neighbour'), gateway, hostPort))).toMatchObject({ tag: 'web' });
  });

  it('attaches concurrently with distinct addresses, and refuses IPv6 host addresses on the IPv4 bridge', async () => {
    const all = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((id) => nets.attach(id)));
    expect(new Set(all.map((a) => a.ip)).size).toBe(4);
    await expect(nets.attach('v6', { ports: parsePortSpecs(['[::1]:8080:80']) })).rejects.toThrow('cannot publish on ::1: the ' + networkName + ' bridge network is IPv4-only');
    expect(existsSync(`/run/netns/${nsName('v6')}`)).toBe(false);
  });

  it('publishes on one host address only, and a random host port for `-p 80`', async () => {
    const hostPort = await freePort();
    const a = await nets.attach('lo1', { ports: parsePortSpecs([`127.0.0.1:${hostPort}:80`, '81']) });
    expect(a.ports[0]).toEqual({ hostIp: '127.0.0.1', hostPort, containerPort: 80, proto: 'tcp' });
    expect(a.ports[1]!.hostPort).toBeGreaterThan(1024);
    children.push(await serveIn(nsName('lo1'), '0.0.0.0', 80, 'eighty'));
    children.push(await serveIn(nsName('lo1'), '0.0.0.0', 81, 'eighty-one'));
    expect(JSON.parse(await fetchLine('127.0.0.1', hostPort))).toMatchObject({ tag: 'eighty' });
    expect(JSON.parse(await fetchLine('127.0.0.1', a.ports[1]!.hostPort))).toMatchObject({ tag: 'eighty-one' });
    await expect(fetchLine(gateway, hostPort, 1000)).rejects.toThrow(); // not published on the bridge address
  });

  it('reaches a server on the host bridge address from inside the container', async () => {
    await nets.attach('client');
    const port = await freePort();
    await listenOnHost(gateway, port);
    expect(JSON.parse(await fetchLineIn(nsName('client'), gateway, port))).toMatchObject({ tag: 'host' });
  });

  it('masquerades traffic leaving the bridge (to a server in our own "outside" namespace)', async () => {
    const outNs = `${netnsPrefix}out`;
    const veth = `ddo${tag}`;
    sh('ip', ['netns', 'add', outNs]);
    cleanups.push(() => sh('ip', ['netns', 'delete', outNs]));
    sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outNs]);
    cleanups.unshift(() => void sh('ip', ['link', 'delete', veth]).length);
    sh('ip', ['addr', 'add', '198.51.100.1/30', 'dev', veth]);
    sh('ip', ['link', 'set', veth, 'up']);
    sh('ip', ['-n', outNs, 'addr', 'add', '198.51.100.2/30', 'dev', 'eth0']);
    sh('ip', ['-n', outNs, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', outNs, 'link', 'set', 'lo', 'up']);
    children.push(await serveIn(outNs, '198.51.100.2', 7000, 'outside'));

    await nets.attach('natted');
    // The outside server sees the host's address on its link, not the container's.
    expect(JSON.parse(await fetchLineIn(nsName('natted'), '198.51.100.2', 7000))).toEqual({ tag: 'outside', from: '198.51.100.1' });
  });

  it("refuses a host port a host process listens on, with Docker's message, and leaves nothing behind", async () => {
    const port = await freePort();
    await listenOnHost('127.0.0.1', port);
    const err = await nets.attach('busy', { ports: parsePortSpecs([`127.0.0.1:${port}:80`]) }).catch((e: unknown) => e);
    expect(isDrydockError(err, 'conflict')).toBe(true);
    expect((err as Error).message).toBe(`Bind for 127.0.0.1:${port} failed: port is already allocated`);
    await expect(nets.attach('busy2', { ports: parsePortSpecs([`${port}:80`]) })).rejects.toThrow(`Bind for 0.0.0.0:${port} failed: port is already allocated`);
    expect(existsSync(`/run/netns/${nsName('busy')}`)).toBe(false);
    expect(await nets.inspect('busy')).toBeNull();
    expect(leases()).toEqual([]);
  });

  it('refuses a host port another container published', async () => {
    const port = await freePort();
    await nets.attach('first', { ports: parsePortSpecs([`${port}:80`]) });
    await expect(nets.attach('second', { ports: parsePortSpecs([`127.0.0.1:${port}:80`]) })).rejects.toThrow(
      `Bind for 127.0.0.1:${port} failed: port is already allocated`,
    );
    await expect(nets.attach('third', { ports: parsePortSpecs([`${port}:81/udp`]) })).resolves.toMatchObject({ ports: [{ hostPort: port, proto: 'udp' }] });
  });

  it('detach removes the DNAT rules, the masquerade rule, the IPAM lease and the namespace', async () => {
    const port = await freePort();
    const a = await nets.attach('gone', { ports: parsePortSpecs([`${port}:80`]) });
    expect(iptablesSave('nat')).toMatch(new RegExp(`--dport ${port} .*-j DNAT --to-destination ${a.ip!.replace(/\./g, '\\.')}:80`));
    expect(iptablesSave('nat')).toContain(`id: \\"gone\\"`);
    expect(leases()).toEqual([a.ip]);

    expect(await nets.detach('gone')).toBe(true);
    expect(iptablesSave('nat')).not.toContain(`--dport ${port} `);
    expect(iptablesSave('nat') + iptablesSave('filter')).not.toContain(networkName);
    expect(leases()).toEqual([]);
    expect(existsSync(a.netnsPath!)).toBe(false);
    expect(await nets.inspect('gone')).toBeNull();
    expect(await nets.ports.list()).toEqual([]);
    expect(await nets.detach('gone')).toBe(false); // idempotent
  });

  it('`none` leaves the namespace to the runtime; `host` shares the host (ports discarded with a warning)', async () => {
    const none = await nets.attach('n1', { mode: 'none' });
    expect(none).toMatchObject({ mode: 'none', ip: null, gateway: null, netnsPath: null });
    expect(nets.netns.exists('n1')).toBe(false);

    const host = await nets.attach('h1', { mode: 'host', ports: parsePortSpecs(['80:80']) });
    expect(host).toMatchObject({ mode: 'host', netnsPath: null, ip: null, ports: [] });
    expect(host.warnings).toEqual(['Published ports are discarded when using host network mode']);
    expect(await nets.detach('n1')).toBe(true);
    expect(await nets.detach('h1')).toBe(true);
    expect(await nets.inspect('n1')).toBeNull();
  });

  it("installs the network's masquerade and FORWARD rules once, runs no per-container iptables, and removeBridge takes them away", async () => {
    const a = await nets.attach('r1');
    const rules = () => (iptablesSave('nat') + iptablesSave('filter')).split('\n').filter((l) => l.includes(bridge) || l.includes(subnet));
    const ours = [`-A POSTROUTING -s ${subnet} ! -o ${bridge} -j MASQUERADE`, `-A FORWARD -i ${bridge} -j ACCEPT`, `-A FORWARD -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`];
    expect(rules().sort()).toEqual([...ours].sort());
    expect(iptablesSave('nat') + iptablesSave('filter')).not.toContain(a.ip!);
    await nets.attach('r2');
    expect(rules()).toHaveLength(3); // not installed twice
    await nets.detach('r1');
    await nets.detach('r2');
    expect(await nets.removeBridge()).toBe(true);
    expect(rules()).toEqual([]);
    // A new bridge (a new interface index) gets its rules again.
    await nets.attach('r3');
    expect(rules()).toHaveLength(3);
  });

  it('prune detaches containers that are not live, including a crashed half-attach', async () => {
    await nets.attach('live');
    await nets.attach('dead');
    sh('ip', ['netns', 'add', nsName('orphan')]); // a namespace with no record
    expect((await nets.prune(['live'])).sort()).toEqual(['dead', 'orphan']);
    expect(nets.netns.list()).toEqual(['live']);
    expect(leases()).toHaveLength(1);
  });

  it('measures attach and detach latency', async () => {
    const port = await freePort();
    const times: { attach: number; detach: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await nets.attach(`lat${i}`, { ports: parsePortSpecs([`${port}:80`]) });
      const t1 = performance.now();
      await nets.detach(`lat${i}`);
      times.push({ attach: t1 - t0, detach: performance.now() - t1 });
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`attach median ${median(times.map((t) => t.attach)).toFixed(0)} ms, detach median ${median(times.map((t) => t.detach)).toFixed(0)} ms`);
    // Each round gave back what it took: no address, namespace or port is left.
    expect(leases()).toEqual([]);
    expect(nets.netns.list()).toEqual([]);
    await listenOnHost('0.0.0.0', port);
  });

  it('shares addresses and host ports with another state root on the same bridge', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'drydock-net-'));
    cleanups.push(() => rmSync(otherDir, { recursive: true, force: true }));
    const other = new ContainerNetworks({ stateDir: otherDir, bridgeStateDir: join(stateDir, 'bridge'), bridge, networkName, subnet, netnsPrefix });
    const port = await freePort();
    const mine = await nets.attach('root-a', { ports: parsePortSpecs([`${port}:80`]) });
    try {
      const theirs = await other.attach('root-b');
      expect(theirs.ip).not.toBe(mine.ip);
      const taken = await other.attach('root-c', { ports: parsePortSpecs([`${port}:80`]) }).catch((e: unknown) => e);
      expect(isDrydockError(taken, 'conflict')).toBe(true);
      await nets.detach('root-a');
      // The bridge is still in use by the other root's container.
      const busy = await nets.removeBridge().catch((e: unknown) => e);
      expect(isDrydockError(busy, 'conflict')).toBe(true);
    } finally {
      await other.prune([]);
    }
  });

  const leases = () => {
    const dir = join(stateDir, 'bridge', 'ipam', networkName);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f) && readFileSync(join(dir, f), 'utf8').length > 0);
  };
});
