import { isIPv4 } from 'node:net';
import { DrydockError } from '../errors.js';

/** An IPv4 network: `base` is the network address as an unsigned 32-bit number. */
export interface Ipv4Cidr {
  base: number;
  prefix: number;
}

export function ipv4ToInt(ip: string): number {
  if (!isIPv4(ip)) throw new DrydockError('invalid-argument', `invalid IPv4 address: ${ip}`);
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/**
 * Parses `a.b.c.d/n` (a bare address is a /32). Throws `invalid-argument` for anything else,
 * or when host bits are set and `strict` (a subnet given by the user must be a network).
 */
export function parseCidr(text: string, strict = false): Ipv4Cidr {
  const [ip = '', prefixText = '32', extra] = text.split('/');
  const prefix = Number(prefixText);
  if (extra !== undefined || !/^\d{1,2}$/.test(prefixText) || prefix > 32) {
    throw new DrydockError('invalid-argument', `invalid IPv4 CIDR: ${text}`);
  }
  const addr = ipv4ToInt(ip);
  const size = 2 ** (32 - prefix);
  const base = addr - (addr % size);
  if (strict && base !== addr) throw new DrydockError('invalid-argument', `invalid subnet ${text}: host bits are set (did you mean ${intToIpv4(base)}/${prefix}?)`);
  return { base, prefix };
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${intToIpv4(c.base)}/${c.prefix}`;
}

/** Whether two networks share any address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix) - 1;
  const bEnd = b.base + 2 ** (32 - b.prefix) - 1;
  return a.base <= bEnd && b.base <= aEnd;
}

/** The n-th address of a network (1 = the conventional gateway). */
export function nthAddress(c: Ipv4Cidr, n: number): string {
  return intToIpv4(c.base + n);
}
