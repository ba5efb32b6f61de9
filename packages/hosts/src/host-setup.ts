/**
 * The checks and installs of an enrollment that prepare a host, each over an open session:
 * platform, privileges, Node.js and the engine's Debian packages.
 */
import { lastLine, type SshSession } from './connection.js';
import { HostError } from './errors.js';
import type { AgentPaths } from './layout.js';
import { checkPlatform, nodeSatisfies, type Platform } from './platform.js';
import { installedScript } from './service.js';
import { quote } from './shell.js';

/** What the engine needs on a host; the same list as scripts/engine-packages.txt (a test keeps them equal). */
export const ENGINE_PACKAGES: readonly string[] = ['crun', 'runc', 'containernetworking-plugins', 'iproute2', 'iptables', 'xz-utils', 'bzip2', 'zstd', 'ca-certificates', 'attr', 'python3-minimal', 'git'];

const SEP = '--drydock--';
const APT = 'export DEBIAN_FRONTEND=noninteractive\napt-get update -qq >/dev/null\napt-get install -y -qq --no-install-recommends';

/** One round trip: uname and os-release, as the login user. */
export async function probePlatform(s: SshSession): Promise<Platform> {
  const out = await s.run(`uname -s; uname -m; echo ${SEP}; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null`, 'uname');
  const [unameOut = '', osRelease = ''] = out.split(`${SEP}\n`);
  const [kernel = '', machine = ''] = unameOut.trim().split('\n').map((l) => l.trim());
  return checkPlatform(s.where, kernel, machine, osRelease);
}

/** Refuses to enroll over an earlier installation (looked for as root: the login user may not see it). */
export async function checkNotInstalled(s: SshSession, paths: AgentPaths): Promise<void> {
  if ((await s.run(installedScript(paths), 'looking for an earlier installation', { root: true })).trim() !== 'none') {
    throw new HostError('already-installed', `an agent is already installed on ${s.where} (${paths.prefix} or ${paths.unitFile}): remove the host first`);
  }
}

/** Sets `s.privilege`, or throws `no-sudo` before anything was changed on the host. */
export async function checkPrivileges(s: SshSession): Promise<string> {
  const r = await s.exec('if [ "$(id -u)" = 0 ]; then echo root; else sudo -n true && echo sudo; fi');
  const how = r.stdout.trim();
  if (r.code !== 0 || (how !== 'root' && how !== 'sudo')) {
    const why = lastLine(r.stderr).replace(/^sh: \d+: /, '') || `exit status ${r.code}`;
    throw new HostError('no-sudo', `${s.where} is not root and has no passwordless sudo (${why}): log in as root or allow sudo without a password`);
  }
  s.privilege = how;
  return how === 'root' ? 'logged in as root' : 'passwordless sudo';
}

/** Finds (or, on Debian, installs) Node.js; returns its absolute path and version. */
export async function ensureNode(s: SshSession, minimum: string): Promise<{ node: string; version: string; installed: boolean }> {
  const find = 'node=$(command -v node || command -v nodejs) || exit 3\necho "$node"\n"$node" --version\n';
  let r = await s.exec(find, { root: true });
  let installed = false;
  if (r.code === 3) {
    await s.run(`${APT} nodejs\n`, 'installing Debian\'s nodejs', { root: true, code: 'node-missing' });
    installed = true;
    r = await s.exec(find, { root: true });
  }
  const [node = '', version = ''] = r.stdout.trim().split('\n').map((l) => l.trim());
  if (r.code !== 0 || !node.startsWith('/')) throw new HostError('node-missing', `Node.js does not run on ${s.where}: ${lastLine(r.stderr) || `exit status ${r.code}`}`);
  if (!nodeSatisfies(version, minimum)) {
    throw new HostError('node-missing', `Node.js ${version} at ${node} on ${s.where} is older than ${minimum}, which the agent needs: install a newer Node.js (e.g. NodeSource's) and retry`);
  }
  return { node, version, installed };
}

/** Installs the engine's packages that are missing; returns the ones it installed. */
export async function ensurePackages(s: SshSession, packages: readonly string[]): Promise<string[]> {
  const out = await s.run(`for p in ${packages.map(quote).join(' ')}; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done\n`, 'dpkg-query');
  const missing = out.split('\n').map((l) => l.trim()).filter(Boolean);
  if (missing.length > 0) await s.run(`${APT} ${missing.map(quote).join(' ')}\n`, `installing ${missing.join(', ')}`, { root: true, code: 'install-failed' });
  return missing;
}
