/**
 * The two files that start an agent: a launcher script holding the agent's command line
 * (mode 0700, root's: it carries the one-time enrollment token) and a systemd unit that only
 * runs the launcher, so the unit holds no secret and upgrades never rewrite it.
 */
import { HostError } from './errors.js';
import type { AgentPaths } from './layout.js';
import { quote } from './shell.js';

export interface AgentCommand {
  /** Absolute path of `node` on the host. */
  node: string;
  /** How the agent reaches the hub (http or https). */
  hubUrl: string;
  /** The one-time token the agent trades for its host token. */
  enrollToken: string;
}

/** Checks the hub URL and token before anything reaches a host. */
export function checkAgentCommand(cmd: Pick<AgentCommand, 'hubUrl' | 'enrollToken'>): void {
  let url: URL;
  try {
    url = new URL(cmd.hubUrl);
  } catch {
    throw new HostError('invalid-argument', `hub URL ${JSON.stringify(cmd.hubUrl)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HostError('invalid-argument', `hub URL ${JSON.stringify(cmd.hubUrl)} must be http or https`);
  if (!/^[A-Za-z0-9._~+/=_-]{16,512}$/.test(cmd.enrollToken)) throw new HostError('invalid-argument', 'the enrollment token must be 16 to 512 URL-safe characters');
}

export function launcherScript(paths: AgentPaths, cmd: AgentCommand): string {
  const argv = [cmd.node, paths.bundle, 'agent', '--hub', cmd.hubUrl, '--enroll-token', cmd.enrollToken, '--root', paths.agentRoot];
  return [
    '#!/bin/sh',
    '# Drydock agent launcher, written at enrollment. Holds the enrollment token: keep it 0700.',
    'cd /',
    `exec ${argv.map(quote).join(' ')}`,
    '',
  ].join('\n');
}

export function systemdUnit(paths: AgentPaths): string {
  return `[Unit]
Description=Drydock agent (runs the engine for the hub)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${paths.launcher}
Restart=on-failure
RestartSec=5s
# Detached containers are supervised by children of the agent: restarting or
# upgrading the agent must not kill them.
KillMode=process

[Install]
WantedBy=multi-user.target
`;
}
