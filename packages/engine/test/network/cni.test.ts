import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDrydockError } from '../../src/errors.js';
import { CniRunner, type CniConfList } from '../../src/network/cni.js';
import { requireNetworkTools, hex } from './helpers.js';

beforeAll(requireNetworkTools);

/**
 * Fake plugins (Node scripts) that log every invocation — env and stdin — to a file, so the
 * protocol itself is checked: env vars, chaining, order, runtimeConfig, caching, errors.
 */
function fakePlugin(dir: string, log: string, type: string, behaviour: string): void {
  const path = join(dir, type);
  writeFileSync(
    path,
    `#!${process.execPath}
const fs = require('fs');
const conf = JSON.parse(fs.readFileSync(0, 'utf8') || '{}');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CNI_') || k === 'PATH'));
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ type: ${JSON.stringify(type)}, env, conf }) + '\\n');
const cmd = process.env.CNI_COMMAND;
${behaviour}
`,
  );
  chmodSync(path, 0o755);
}

const list = (plugins: CniConfList['plugins']): CniConfList => ({ cniVersion: '1.0.0', name: 'fakenet', plugins });
const rt = { containerId: 'ctr1', netnsPath: '/run/netns/nothing-here', ifName: 'eth0', capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } };

describe('CniRunner protocol (fake plugins)', () => {
  let dir: string;
  let pluginDir: string;
  let log: string;
  let cni: CniRunner;
  const calls = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; env: Record<string, string>; conf: Record<string, unknown> })
      : [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-cni-'));
    pluginDir = join(dir, 'bin');
    mkdirSync(pluginDir);
    log = join(dir, 'log.jsonl');
    cni = new CniRunner({ pluginDirs: [join(dir, 'empty'), pluginDir], cacheDir: join(dir, 'cache'), toolPath: '/usr/sbin:/usr/bin' });
    fakePlugin(pluginDir, log, 'ipmaker', `if (cmd === 'ADD') console.log(JSON.stringify({ cniVersion: conf.cniVersion, interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: process.env.CNI_NETNS }], ips: [{ address: '10.9.0.2/24', gateway: '10.9.0.1', interface: 0 }] }));
if (cmd === 'VERSION') console.log(JSON.stringify({ cniVersion: '1.0.0', supportedVersions: ['0.4.0', '1.0.0'] }));`);
    fakePlugin(pluginDir, log, 'router', `if (cmd === 'ADD') console.log(JSON.stringify({ ...conf.prevResult, routes: [{ dst: '0.0.0.0/0' }] }));
if (cmd === 'VERSION') console.log(JSON.stringify({ cniVersion: '1.0.0', supportedVersions: ['0.3.1', '0.4.0'] }));`);
    fakePlugin(pluginDir, log, 'broken', `if (cmd === 'ADD') { console.log(JSON.stringify({ cniVersion: '1.0.0', code: 7, msg: 'invalid bridge name', details: 'name too\\nlong' })); process.exit(1); }`);
    fakePlugin(pluginDir, log, 'chatty', `if (cmd === 'ADD') console.log('not json');`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ADD runs the chain in order with the spec env, runtimeConfig for capable plugins only, and prevResult chaining', async () => {
    const result = await cni.add(list([{ type: 'ipmaker', mtu: 1400 }, { type: 'router', capabilities: { portMappings: true } }]), { ...rt, args: { K8S_POD: 'x' } });
    expect(result).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/nothing-here' }],
      ips: [{ address: '10.9.0.2/24', gateway: '10.9.0.1', interface: 0 }],
      routes: [{ dst: '0.0.0.0/0' }],
    });
    const [a, b] = calls();
    expect(a!.env).toEqual({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'ctr1',
      CNI_NETNS: '/run/netns/nothing-here',
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD=x',
      CNI_PATH: `${join(dir, 'empty')}:${pluginDir}`,
      PATH: '/usr/sbin:/usr/bin',
    });
    expect(a!.conf).toEqual({ type: 'ipmaker', mtu: 1400, cniVersion: '1.0.0', name: 'fakenet' });
    expect(b!.conf['runtimeConfig']).toEqual({ portMappings: rt.capabilityArgs.portMappings });
    expect(b!.conf['prevResult']).toMatchObject({ ips: [{ address: '10.9.0.2/24' }] });
    expect(await cni.cachedResult('fakenet', 'ctr1', 'eth0')).toEqual(result);
    expect(await cni.cachedContainers('fakenet')).toEqual(['ctr1']);
  });

  it('DEL runs in reverse with the cached result and the cached config, then drops the cache; CHECK runs in order', async () => {
    const conf = list([{ type: 'ipmaker' }, { type: 'router', capabilities: { portMappings: true } }]);
    const result = await cni.add(conf, rt);
    await cni.check(conf, rt);
    // DEL with a list whose plugin fields changed since ADD and no capability args: the cached ones win.
    await cni.del(list([{ type: 'ipmaker', changed: true }, { type: 'router', capabilities: { portMappings: true } }]), { ...rt, capabilityArgs: {} });
    const log = calls().slice(2);
    expect(log.map((c) => `${c.env['CNI_COMMAND']} ${c.type}`)).toEqual(['CHECK ipmaker', 'CHECK router', 'DEL router', 'DEL ipmaker']);
    for (const c of log) expect(c.conf['prevResult']).toEqual(result);
    expect(log[2]!.conf['runtimeConfig']).toEqual({ portMappings: rt.capabilityArgs.portMappings });
    expect(log[3]!.conf['changed']).toBeUndefined();
    expect(log[2]!.env['CNI_NETNS']).toBe(''); // the namespace is gone: DEL gets an empty CNI_NETNS
    expect(await cni.cachedResult('fakenet', 'ctr1', 'eth0')).toBeNull();
    await expect(cni.check(conf, rt)).rejects.toThrow('no cached CNI result for ctr1 on network fakenet');
  });

  it("a failing plugin becomes a one-line DrydockError with its msg, and the chain is deleted again", async () => {
    const err = await cni.add(list([{ type: 'ipmaker' }, { type: 'broken' }]), rt).catch((e: unknown) => e);
    expect(isDrydockError(err, 'io')).toBe(true);
    expect((err as Error).message).toBe('CNI plugin broken ADD: invalid bridge name: name too long');
    expect(calls().map((c) => `${c.env['CNI_COMMAND']} ${c.type}`)).toEqual(['ADD ipmaker', 'ADD broken', 'DEL broken', 'DEL ipmaker']);
    expect(calls()[2]!.conf['prevResult']).toMatchObject({ ips: [{ address: '10.9.0.2/24' }] });
    expect(existsSync(join(dir, 'cache')) ? readdirSync(join(dir, 'cache')) : []).toEqual([]);
  });

  it('reports a missing plugin, non-JSON output and unsafe names', async () => {
    await expect(cni.add(list([{ type: 'nosuch' }]), rt)).rejects.toThrow(`CNI plugin nosuch not found in ${join(dir, 'empty')}:${pluginDir}`);
    await expect(cni.add(list([{ type: 'chatty' }]), rt)).rejects.toThrow('CNI plugin chatty ADD: output is not JSON: not json');
    await expect(cni.add(list([{ type: '../bin/ipmaker' }]), rt)).rejects.toThrow(/invalid CNI plugin type/);
    await expect(cni.add(list([{ type: 'ipmaker' }]), { ...rt, containerId: '../x' })).rejects.toThrow(/invalid container ID/);
  });

  it('keeps VERSION answers in versionCacheFile while a plugin is unchanged', async () => {
    const versionCacheFile = join(dir, 'versions.json');
    const versions = () => calls().filter((c) => c.env['CNI_COMMAND'] === 'VERSION').map((c) => c.type);
    const fresh = () => new CniRunner({ pluginDirs: [pluginDir], cacheDir: join(dir, 'cache'), versionCacheFile });
    expect(await fresh().negotiateVersion(['ipmaker', 'router'])).toBe('0.4.0');
    expect(versions().sort()).toEqual(['ipmaker', 'router']);
    expect(await fresh().negotiateVersion(['ipmaker', 'router'])).toBe('0.4.0'); // another process: no exec
    expect(versions()).toHaveLength(2);
    // A plugin replaced (another size and mtime) is asked again; the other answer stays cached.
    fakePlugin(pluginDir, log, 'router', `if (cmd === 'VERSION') console.log(JSON.stringify({ cniVersion: '1.0.0', supportedVersions: ['1.0.0'] }));`);
    utimesSync(join(pluginDir, 'router'), new Date(), new Date(Date.now() + 5000));
    expect(await fresh().negotiateVersion(['ipmaker', 'router'])).toBe('1.0.0');
    expect(versions().sort()).toEqual(['ipmaker', 'router', 'router']);
  });

  it('negotiates the newest version every plugin supports', async () => {
    expect(await cni.negotiateVersion(['ipmaker', 'router'])).toBe('0.4.0');
    await expect(cni.negotiateVersion(['ipmaker', 'router'], ['1.0.0'])).rejects.toThrow(/share none of CNI versions 1.0.0/);
  });
});

describe("Debian's plugins", () => {
  it('speak CNI 1.0.0 (bridge, host-local, portmap, firewall, loopback)', async () => {
    const cni = new CniRunner({ pluginDirs: ['/usr/lib/cni'], cacheDir: join(tmpdir(), 'unused') });
    expect(await cni.negotiateVersion(['bridge', 'host-local', 'portmap', 'firewall', 'loopback'])).toBe('1.0.0');
    expect((await cni.version('firewall')).supportedVersions).toEqual(['0.4.0', '1.0.0']);
  });

  it("surface a real plugin's error message", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-cni-'));
    const bridge = `ddtb${hex(3)}`; // the plugin creates the bridge before it opens the namespace
    try {
      const cni = new CniRunner({ pluginDirs: ['/usr/lib/cni'], cacheDir: dir });
      const ipam = { type: 'host-local', ranges: [[{ subnet: '10.213.99.0/24' }]], dataDir: dir };
      const bad: CniConfList = { cniVersion: '1.0.0', name: 'badnet', plugins: [{ type: 'bridge', bridge, ipam }] };
      const err = await cni.add(bad, { containerId: 'c', netnsPath: '/run/netns/none-such', ifName: 'eth0' }).catch((e: unknown) => e);
      expect(isDrydockError(err)).toBe(true);
      expect((err as Error).message).toBe('CNI plugin bridge ADD: failed to open netns "/run/netns/none-such": failed to Statfs "/run/netns/none-such": no such file or directory');
    } finally {
      spawnSync('ip', ['link', 'delete', bridge]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
