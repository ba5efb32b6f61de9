/**
 * What a host must be to run the agent, as pure checks over what the host printed:
 * Linux (`uname -s`), a CPU the engine ships for (`uname -m`), a Debian-based distribution
 * (the engine's packages are installed with apt; /etc/os-release), and Node.js at least
 * the version the bundle targets.
 */
import { HostError } from './errors.js';

export interface Platform {
  /** Docker's name for the architecture: `amd64`, `arm64`. */
  arch: string;
  /** `PRETTY_NAME` from os-release, e.g. `Debian GNU/Linux 12 (bookworm)`. */
  distro: string;
}

const ARCHES: Readonly<Record<string, string>> = { x86_64: 'amd64', aarch64: 'arm64' };

/** `kernel` and `machine` are `uname -s` and `uname -m`; `osRelease` is /etc/os-release. */
export function checkPlatform(where: string, kernel: string, machine: string, osRelease: string): Platform {
  if (kernel !== 'Linux') throw new HostError('unsupported-os', `${where} runs ${kernel || 'an unknown system'}, not Linux: the Drydock agent needs Linux`);
  const arch = ARCHES[machine];
  if (!arch) throw new HostError('unsupported-arch', `${where} is ${machine || 'an unknown architecture'}: the Drydock agent runs on x86_64 and aarch64`);
  const fields = parseOsRelease(osRelease);
  const distro = fields.get('PRETTY_NAME') ?? fields.get('NAME') ?? 'an unknown Linux distribution';
  const family = [fields.get('ID') ?? '', ...(fields.get('ID_LIKE') ?? '').split(/\s+/)];
  if (!family.includes('debian')) throw new HostError('unsupported-os', `${where} runs ${distro}, not a Debian-based distribution: Drydock installs the engine's packages with apt`);
  return { arch, distro };
}

/** os-release(5): KEY=value lines, values optionally quoted. */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    fields.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(.)/g, '$1'));
  }
  return fields;
}

/** Whether `node --version` output (`v20.20.2`) is at least `minimum` (`20.11.0`). */
export function nodeSatisfies(version: string, minimum: string): boolean {
  const have = parseVersion(version.replace(/^v/, ''));
  const need = parseVersion(minimum);
  if (!have || !need) return false;
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i]! > need[i]!;
  return true;
}

function parseVersion(v: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}
