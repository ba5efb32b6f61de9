import { isIPv4 } from 'node:net';
import { DEFAULT_DOMAIN } from '../reference/index.js';

/** The key Docker stores Docker Hub credentials under in config.json. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * How to reach one registry and which name its credentials go by. `domain`
 * is the reference's domain (docker.io, 127.0.0.1:5000); Docker Hub's API
 * lives on registry-1.docker.io and its credentials under the legacy v1 URL.
 */
export interface RegistryHost {
  domain: string;
  /** host[:port] the API is served on. */
  apiHost: string;
  /** The config.json key (and credential-helper server URL) for this registry. */
  authKey: string;
  /** Plain HTTP instead of TLS. */
  insecure: boolean;
}

export function registryHost(domain: string, insecureRegistries: readonly string[] = []): RegistryHost {
  const hub = domain === DEFAULT_DOMAIN || domain === 'index.docker.io' || domain === 'registry-1.docker.io';
  return {
    domain: hub ? DEFAULT_DOMAIN : domain,
    apiHost: hub ? 'registry-1.docker.io' : domain,
    authKey: hub ? DOCKER_HUB_AUTH_KEY : domain,
    insecure: !hub && isInsecure(domain, insecureRegistries),
  };
}

/**
 * Docker talks plain HTTP to loopback registries (localhost, 127.0.0.0/8, ::1)
 * and to those the user lists as insecure (a host[:port] or a CIDR of IPv4s).
 */
export function isInsecure(domain: string, insecureRegistries: readonly string[]): boolean {
  const host = hostOf(domain);
  if (host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'))) return true;
  return insecureRegistries.some((entry) => entry === domain || entry === host || (entry.includes('/') && isIPv4(host) && inCidr(host, entry)));
}

/** The host without the port (IPv6 brackets removed). */
export function hostOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const colon = domain.lastIndexOf(':');
  return colon < 0 ? domain : domain.slice(0, colon);
}

/**
 * What `docker login SERVER` stores the credentials under: Docker Hub's v1
 * URL when no server (or a Hub name) is given, else the host[:port] with any
 * scheme and path removed (Docker's registry.ConvertToHostname).
 */
export function loginServerKey(server: string | undefined): string {
  if (!server) return DOCKER_HUB_AUTH_KEY;
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (host === DEFAULT_DOMAIN || host === 'index.docker.io' || host === 'registry-1.docker.io') return DOCKER_HUB_AUTH_KEY;
  return host;
}

/** The reference domain a credential key names (the inverse of authKey). */
export function domainOfKey(key: string): string {
  return key === DOCKER_HUB_AUTH_KEY ? DEFAULT_DOMAIN : key;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!base || !isIPv4(base) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const toInt = (s: string) => s.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}
