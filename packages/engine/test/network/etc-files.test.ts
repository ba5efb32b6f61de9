import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHosts, buildResolvConf, parseExtraHost, writeEtcFiles } from '../../src/network/etc-files.js';

const DOCKER_DEFAULT_HOSTS = `127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
ff00::0	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`;

describe('buildHosts (byte for byte what dockerd 20.10 wrote on this host)', () => {
  it('bridge: defaults then the container line', () => {
    expect(buildHosts({ hostname: '5791b653c593', ip: '172.17.0.2' })).toBe(`${DOCKER_DEFAULT_HOSTS}172.17.0.2\t5791b653c593\n`);
  });

  it('--add-host entries come before the container line, which carries the domain', () => {
    expect(buildHosts({ hostname: 'myhost', domainname: 'example.com', ip: '172.17.0.2', extraHosts: [{ hostname: 'foo', ip: '1.2.3.4' }] })).toBe(
      `${DOCKER_DEFAULT_HOSTS}1.2.3.4\tfoo\n172.17.0.2\tmyhost.example.com myhost\n`,
    );
  });

  it('none: no address, no container line', () => {
    expect(buildHosts({ hostname: '731467c40efd', ip: null })).toBe(DOCKER_DEFAULT_HOSTS);
  });
});

describe('buildResolvConf', () => {
  const host = '# managed\nsearch corp.example\nnameserver 127.0.0.1\nnameserver 10.255.255.53\nnameserver ::1\nnameserver fd00::53\noptions ndots:2\n';

  it('drops localhost and IPv6 nameservers, keeps the rest in place', () => {
    expect(buildResolvConf(host, {})).toBe('# managed\nsearch corp.example\nnameserver 10.255.255.53\noptions ndots:2\n');
  });

  it("falls back to Docker's public defaults when no nameserver is left", () => {
    expect(buildResolvConf('nameserver 127.0.0.53\noptions edns0\n', {})).toBe('options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });

  it('--dns, --dns-search and --dns-option rebuild the file, each replacing the host values', () => {
    expect(buildResolvConf(host, { dns: ['1.1.1.1'], dnsSearch: ['a.example', 'b.example'], dnsOptions: ['ndots:1'] })).toBe(
      'search a.example b.example\nnameserver 1.1.1.1\noptions ndots:1\n',
    );
    expect(buildResolvConf(host, { dns: ['1.1.1.1'] })).toBe('search corp.example\nnameserver 1.1.1.1\noptions ndots:2\n');
    expect(buildResolvConf(host, { dnsSearch: ['.'] })).toBe('nameserver 10.255.255.53\noptions ndots:2\n');
  });

  it('host mode keeps the host file as is', () => {
    expect(buildResolvConf(host, { hostMode: true })).toBe(host);
  });
});

describe('parseExtraHost', () => {
  it('parses name:ip, name=ip, IPv6 and host-gateway', () => {
    expect(parseExtraHost('foo:1.2.3.4')).toEqual({ hostname: 'foo', ip: '1.2.3.4' });
    expect(parseExtraHost('foo=::1')).toEqual({ hostname: 'foo', ip: '::1' });
    expect(parseExtraHost('v6:[fd00::1]')).toEqual({ hostname: 'v6', ip: 'fd00::1' });
    expect(parseExtraHost('gw:host-gateway', '172.29.0.1')).toEqual({ hostname: 'gw', ip: '172.29.0.1' });
  });

  it("rejects malformed values with Docker's messages", () => {
    expect(() => parseExtraHost('foo')).toThrow('bad format for add-host: "foo"');
    expect(() => parseExtraHost('foo:bar')).toThrow('invalid IP address in add-host: "bar"');
    expect(() => parseExtraHost('gw:host-gateway')).toThrow('unable to derive the IP value for host-gateway');
  });
});

describe('writeEtcFiles', () => {
  let dir: string;
  let hostEtc: { hosts: string; resolvConf: string; systemdResolvConf: string };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-etc-'));
    hostEtc = { hosts: join(dir, 'host-hosts'), resolvConf: join(dir, 'host-resolv.conf'), systemdResolvConf: join(dir, 'systemd-resolv.conf') };
    writeFileSync(hostEtc.hosts, '127.0.0.1 localhost\n127.0.0.1 vm\n');
    writeFileSync(hostEtc.resolvConf, 'nameserver 10.255.255.53\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('bridge: writes hosts, hostname and resolv.conf (0644) and returns their paths', async () => {
    const files = await writeEtcFiles({ dir: join(dir, 'c'), mode: 'bridge', hostname: 'abc123', ip: '172.29.0.5', hostEtc });
    expect(files).toEqual({ hosts: join(dir, 'c', 'hosts'), hostname: join(dir, 'c', 'hostname'), resolvConf: join(dir, 'c', 'resolv.conf') });
    expect(readFileSync(files.hosts, 'utf8')).toBe(`${DOCKER_DEFAULT_HOSTS}172.29.0.5\tabc123\n`);
    expect(readFileSync(files.hostname, 'utf8')).toBe('abc123\n');
    expect(readFileSync(files.resolvConf, 'utf8')).toBe('nameserver 10.255.255.53\n');
    expect(statSync(files.hosts).mode & 0o777).toBe(0o644);
  });

  it("uses systemd-resolved's upstream servers when the host only names its stub", async () => {
    writeFileSync(hostEtc.resolvConf, 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n');
    writeFileSync(hostEtc.systemdResolvConf, 'nameserver 192.0.2.53\nsearch lan\n');
    const files = await writeEtcFiles({ dir, mode: 'bridge', hostname: 'x', ip: '172.29.0.5', hostEtc });
    expect(readFileSync(files.resolvConf, 'utf8')).toBe('nameserver 192.0.2.53\nsearch lan\n');
  });

  it("host: the host's hosts file plus --add-host; none: no nameserver", async () => {
    const host = await writeEtcFiles({ dir: join(dir, 'h'), mode: 'host', hostname: 'vm', extraHosts: [{ hostname: 'db', ip: '10.0.0.9' }], hostEtc });
    expect(readFileSync(host.hosts, 'utf8')).toBe('127.0.0.1 localhost\n127.0.0.1 vm\n10.0.0.9\tdb\n');
    expect(readFileSync(host.resolvConf, 'utf8')).toBe('nameserver 10.255.255.53\n');
    const none = await writeEtcFiles({ dir: join(dir, 'n'), mode: 'none', hostname: 'n1', ip: '172.29.0.9', hostEtc });
    expect(readFileSync(none.hosts, 'utf8')).toBe(DOCKER_DEFAULT_HOSTS);
    expect(readFileSync(none.resolvConf, 'utf8')).not.toMatch(/^nameserver/m);
  });
});
