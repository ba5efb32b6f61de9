/**
 * Where an agent lives on a host. One prefix directory holds the bundle, the launcher, and
 * (without systemd) the pid and log files; the unit file sits in /etc/systemd/system.
 * Tests pass a unique prefix and unit name so they cannot touch a real installation.
 */
import { posix } from 'node:path';
import { HostError } from './errors.js';

export interface InstallLayout {
  /** Absolute directory whose last component contains `drydock` (default /opt/drydock). */
  prefix?: string;
  /** systemd unit name without `.service` (default drydock-agent). */
  unitName?: string;
  /**
   * The agent's state root (`drydock agent --root`, default /var/lib/drydock: the engine's
   * own as root). Its `agent/` directory (the agent's hub token and outbox) is cleared when
   * an agent is enrolled or removed, so a host can be removed and enrolled again.
   */
  agentRoot?: string;
}

export interface AgentPaths {
  prefix: string;
  unitName: string;
  bundle: string;
  launcher: string;
  pidFile: string;
  logFile: string;
  unitFile: string;
  agentRoot: string;
  /** `<agentRoot>/agent`: the agent's identity with a hub. */
  agentState: string;
}

export function agentPaths(layout: InstallLayout = {}): AgentPaths {
  const prefix = layout.prefix ?? '/opt/drydock';
  const unitName = layout.unitName ?? 'drydock-agent';
  // The prefix is removed recursively on uninstall: refuse anything that could be a system directory.
  if (!/^\/[A-Za-z0-9._/-]+$/.test(prefix) || posix.normalize(prefix) !== prefix.replace(/\/+$/, '') || !posix.basename(prefix).includes('drydock')) {
    throw new HostError('invalid-argument', `install prefix ${JSON.stringify(prefix)} must be an absolute, normalized path whose last directory contains "drydock"`);
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(unitName) || unitName.endsWith('.service')) {
    throw new HostError('invalid-argument', `unit name ${JSON.stringify(unitName)} must be letters, digits, '.', '_' or '-' without .service`);
  }
  const agentRoot = layout.agentRoot ?? '/var/lib/drydock';
  if (!/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(agentRoot) || posix.normalize(agentRoot) !== agentRoot) {
    throw new HostError('invalid-argument', `agent root ${JSON.stringify(agentRoot)} must be an absolute, normalized path`);
  }
  const dir = prefix.replace(/\/+$/, '');
  return {
    prefix: dir,
    unitName,
    bundle: `${dir}/drydock.mjs`,
    launcher: `${dir}/agent.sh`,
    pidFile: `${dir}/agent.pid`,
    logFile: `${dir}/agent.log`,
    unitFile: `/etc/systemd/system/${unitName}.service`,
    agentRoot,
    agentState: `${agentRoot}/agent`,
  };
}
