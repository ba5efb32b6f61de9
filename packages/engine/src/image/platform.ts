import { DrydockError } from '../errors.js';
import { hostPlatform } from '../time.js';

/** An OCI platform: `os/arch[/variant]`. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** containerd's normalization of architecture names. */
const KNOWN_OS = ['linux', 'windows', 'darwin', 'freebsd'];
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386', i686: '386' };

/**
 * Parses `linux/amd64`, `linux/arm/v7`, `arm64` (the OS defaults to the
 * host's) as containerd's platforms.Parse does, normalized: aliases mapped,
 * arm64's default variant `v8` dropped, arm's default `v7` filled in.
 */
export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) throw new DrydockError('invalid-argument', `invalid platform ${JSON.stringify(spec)}: want os/arch[/variant]`);
  const host = hostPlatform();
  const [first, second, third] = parts as [string, string?, string?];
  const alone = second === undefined;
  const os = alone ? (KNOWN_OS.includes(first) ? first : host.os) : first;
  const named = alone ? (KNOWN_OS.includes(first) ? host.architecture : first) : second;
  const arch = ARCH_ALIASES[named] ?? named;
  let variant = third;
  if (arch === 'arm64' && variant === 'v8') variant = undefined;
  if (arch === 'arm' && variant === undefined) variant = 'v7';
  return { os, architecture: arch, ...(variant !== undefined ? { variant } : {}) };
}

/** The platform an image config declares. */
export function platformOf(config: { os: string; architecture: string; variant?: string | undefined }): Platform {
  return { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/** Whether an image made for `have` serves a request for `want` (variants compared only when both name one). */
export function platformMatches(want: Platform, have: Partial<Platform>): boolean {
  if (want.os !== (have.os ?? 'linux')) return false;
  if (want.architecture !== ARCH_ALIASES[have.architecture ?? ''] && want.architecture !== have.architecture) return false;
  return !want.variant || !have.variant || want.variant === have.variant;
}
