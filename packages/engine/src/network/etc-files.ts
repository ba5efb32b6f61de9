import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { DrydockError } from '../errors.js';
import type { NetworkMode } from './bridge-network.js';

/** One `--add-host` entry. */
export interface ExtraHost {
  hostname: string;
  ip: string;
}

/** Where the host's own files are read from (overridable for tests). */
export interface HostEtcPaths {
  hosts: string;
  resolvConf: string;
  /** systemd-resolved's list of upstream servers, used when resolv.conf only names its stub. */
  systemdResolvConf: string;
}

export const DEFAULT_HOST_ETC: HostEtcPaths = {
  hosts: '/etc/hosts',
  resolvConf: '/etc/resolv.conf',
  systemdResolvConf: '/run/systemd/resolve/resolv.conf',
};

export interface EtcFilesOptions {
  /** A directory private to the container; `hosts`, `hostname` and `resolv.conf` are written into it. */
  dir: string;
  mode: NetworkMode;
  /** The container's hostname (Docker: the first 12 hex digits of its ID; in `host` mode, the host's name). */
  hostname: string;
  domainname?: string;
  /** The container's address on the bridge; listed with its hostname. */
  ip?: string | null;
  extraHosts?: readonly ExtraHost[];
  /** `--dns`, `--dns-search`, `--dns-option`: each replaces the host's corresponding lines. */
  dns?: readonly string[];
  dnsSearch?: readonly string[];
  dnsOptions?: readonly string[];
  hostEtc?: Partial<HostEtcPaths>;
}

/** Paths of the files to bind-mount over the container's /etc/hosts, /etc/hostname and /etc/resolv.conf. */
export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

/** Docker's defaults when the host leaves a container no usable nameserver. */
export const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

const DEFAULT_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Where `writeEtcFiles` puts the files in `dir` (known before their content, e.g. for the spec). */
export function etcFilePaths(dir: string): EtcFiles {
  return { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') };
}

/**
 * Writes the container's /etc/hosts, /etc/hostname and /etc/resolv.conf as Docker does and
 * returns their paths for the runtime to bind-mount (each file atomically replaced, mode
 * 0644). Reads the host's /etc files; writes nothing outside `dir`.
 */
export async function writeEtcFiles(options: EtcFilesOptions): Promise<EtcFiles> {
  const paths = { ...DEFAULT_HOST_ETC, ...options.hostEtc };
  const hostsText =
    options.mode === 'host'
      ? hostModeHosts(await readOptional(paths.hosts), options.extraHosts ?? [])
      : buildHosts({ hostname: options.hostname, domainname: options.domainname, ip: options.mode === 'bridge' ? options.ip : null, extraHosts: options.extraHosts });
  const resolvText = await resolvConfFor(options, paths);
  const files = etcFilePaths(options.dir);
  await mkdir(options.dir, { recursive: true });
  await writeAtomic(files.hosts, hostsText);
  await writeAtomic(files.hostname, `${options.hostname}\n`);
  await writeAtomic(files.resolvConf, resolvText);
  return files;
}

/**
 * A namespaced container's /etc/hosts: the localhost and IPv6 lines, `--add-host` entries,
 * then `<ip>\t<hostname>[.<domain> <hostname>]` when it has an address.
 */
export function buildHosts(o: { hostname: string; domainname?: string | undefined; ip?: string | null | undefined; extraHosts?: readonly ExtraHost[] | undefined }): string {
  const lines = [...DEFAULT_HOSTS, ...(o.extraHosts ?? []).map((h) => `${h.ip}\t${h.hostname}`)];
  if (o.ip) lines.push(`${o.ip}\t${o.domainname ? `${o.hostname}.${o.domainname} ${o.hostname}` : o.hostname}`);
  return `${lines.join('\n')}\n`;
}

/** `host` mode: the host's own /etc/hosts, plus `--add-host` entries. */
function hostModeHosts(hostFile: string | null, extra: readonly ExtraHost[]): string {
  let text = hostFile ?? `${DEFAULT_HOSTS.join('\n')}\n`;
  if (text !== '' && !text.endsWith('\n')) text += '\n';
  return text + extra.map((h) => `${h.ip}\t${h.hostname}\n`).join('');
}

/**
 * Docker's resolv.conf for a container, from the host's. Without `--dns*` options the host's
 * file is kept line for line minus localhost nameservers (127.0.0.0/8, ::1) and — the bridge
 * being IPv4-only — IPv6 ones; with no nameserver left, Google's public ones are appended.
 * With any `--dns*` option the file is rebuilt (`search`, `nameserver`s, `options`), each
 * option replacing the host's values (`--dns-search .` means none). `hostMode` keeps the
 * host's file as is (its localhost servers work there).
 */
export function buildResolvConf(
  hostText: string,
  o: { dns?: readonly string[] | undefined; dnsSearch?: readonly string[] | undefined; dnsOptions?: readonly string[] | undefined; hostMode?: boolean },
): string {
  const custom = Boolean(o.dns?.length || o.dnsSearch?.length || o.dnsOptions?.length);
  if (o.hostMode && !custom) return hostText;
  const usable = (ns: string) => o.hostMode === true || (isIP(ns) === 4 && !ns.startsWith('127.'));
  const lines = hostText.split('\n');
  const words = (line: string) => line.trim().split(/\s+/);
  const hostServers = lines.map(words).filter((w) => w[0] === 'nameserver' && w[1] !== undefined && usable(w[1])).map((w) => w[1]!);
  if (!custom) {
    const kept = lines.filter((line) => {
      const w = words(line);
      return w[0] !== 'nameserver' || (w[1] !== undefined && usable(w[1]));
    });
    while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
    if (hostServers.length === 0) kept.push(...DEFAULT_NAMESERVERS.map((s) => `nameserver ${s}`));
    return `${kept.join('\n')}\n`;
  }
  const lastValues = (keyword: string) => lines.map(words).filter((w) => w[0] === keyword).pop()?.slice(1) ?? [];
  const search = o.dnsSearch?.length ? [...o.dnsSearch] : lastValues('search');
  const options = o.dnsOptions?.length ? [...o.dnsOptions] : lastValues('options');
  const servers = o.dns?.length ? [...o.dns] : hostServers.length ? hostServers : DEFAULT_NAMESERVERS;
  const out: string[] = [];
  if (search.length > 0 && search.join(' ').trim() !== '.') out.push(`search ${search.join(' ')}`);
  out.push(...servers.map((s) => `nameserver ${s}`));
  if (options.length > 0) out.push(`options ${options.join(' ')}`);
  return `${out.join('\n')}\n`;
}

/**
 * Parses `--add-host` values, `name:ip` or `name=ip` (the IP may be IPv6 and contain colons).
 * `host-gateway` as the IP becomes `hostGateway` (the bridge's address), as in Docker.
 */
export function parseExtraHost(value: string, hostGateway?: string): ExtraHost {
  const sep = /[:=]/.exec(value);
  const hostname = sep ? value.slice(0, sep.index) : '';
  let ip = sep ? value.slice(sep.index + 1) : '';
  if (!hostname || !ip) throw new DrydockError('invalid-argument', `bad format for add-host: "${value}"`);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip === 'host-gateway') {
    if (!hostGateway) throw new DrydockError('invalid-argument', 'unable to derive the IP value for host-gateway');
    ip = hostGateway;
  }
  if (isIP(ip) === 0) throw new DrydockError('invalid-argument', `invalid IP address in add-host: "${ip}"`);
  return { hostname, ip };
}

async function resolvConfFor(o: EtcFilesOptions, paths: HostEtcPaths): Promise<string> {
  const custom = { dns: o.dns, dnsSearch: o.dnsSearch, dnsOptions: o.dnsOptions };
  if (o.mode === 'none' && !o.dns?.length && !o.dnsSearch?.length && !o.dnsOptions?.length) {
    return '# --network none: the container has no network and no nameserver\n';
  }
  let hostText = (await readOptional(paths.resolvConf)) ?? '';
  if (o.mode === 'host') return buildResolvConf(hostText, { ...custom, hostMode: true });
  // systemd-resolved's stub (127.0.0.53) is unreachable from a namespace: use its upstreams.
  const servers = hostText.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w[0] === 'nameserver').map((w) => w[1]);
  if (servers.length > 0 && servers.every((s) => s === '127.0.0.53')) {
    hostText = (await readOptional(paths.systemdResolvConf)) ?? hostText;
  }
  return buildResolvConf(hostText, custom);
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DrydockError('io', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  try {
    await writeFile(`${path}.tmp`, text, { mode: 0o644 });
    await chmod(`${path}.tmp`, 0o644);
    await rename(`${path}.tmp`, path);
  } catch (err) {
    throw new DrydockError('io', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
