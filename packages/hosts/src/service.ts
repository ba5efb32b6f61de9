/**
 * Starting, stopping and reading an agent on a host, as the shell scripts that do it.
 *
 * With systemd as PID 1 (`/run/systemd/system` exists, as sd_booted(3) checks) the agent is
 * a unit: `systemctl enable --now`, logs in the journal. Without it the agent is started
 * detached — `setsid nohup` with stdio on a log file, its pid in a pid file — and a stop
 * signals that pid only while it still runs from our prefix (the launcher, then node with
 * the bundle: a recycled pid is left alone).
 */
import type { SshSession } from './connection.js';
import type { AgentPaths } from './layout.js';
import { quote } from './shell.js';

export type ServiceMode = 'systemd' | 'detached';

export async function detectServiceMode(session: SshSession): Promise<ServiceMode> {
  const out = await session.run('if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then echo systemd; else echo detached; fi', 'detecting systemd');
  return out.trim() === 'systemd' ? 'systemd' : 'detached';
}

/** Shell functions over the pid file, shared by the detached scripts. */
function pidHelpers(p: AgentPaths): string {
  return `
pidfile=${quote(p.pidFile)}
alive() { [ -d "/proc/$1" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ] && tr '\\0' ' ' < "/proc/$1/cmdline" | grep -qF -- ${quote(`${p.prefix}/`)}; }
agent_pid() { [ -s "$pidfile" ] && pid=$(cat "$pidfile") && alive "$pid" && echo "$pid"; }
`;
}

/** Starts the agent; prints its pid (detached) or nothing (systemd). */
export function startScript(mode: ServiceMode, p: AgentPaths): string {
  if (mode === 'systemd') return `set -e\nsystemctl daemon-reload\nsystemctl enable --now ${quote(p.unitName)}.service >/dev/null 2>&1 || { systemctl status --no-pager ${quote(p.unitName)}.service >&2; exit 1; }\n`;
  return `set -e${pidHelpers(p)}
if pid=$(agent_pid); then echo "agent already running as pid $pid" >&2; exit 1; fi
cd /
setsid nohup ${quote(p.launcher)} >>${quote(p.logFile)} 2>&1 </dev/null &
echo $! > "$pidfile"
echo $!
`;
}

/** Stops the agent if it runs; succeeds when it was not running. */
export function stopScript(mode: ServiceMode, p: AgentPaths): string {
  if (mode === 'systemd') return `systemctl stop ${quote(p.unitName)}.service 2>/dev/null || true\n`;
  return `${pidHelpers(p)}
if pid=$(agent_pid); then
  kill "$pid" 2>/dev/null
  i=0; while alive "$pid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  alive "$pid" && kill -9 "$pid" 2>/dev/null
fi
rm -f "$pidfile"
`;
}

/** Whether the agent runs: exit status 0 when it does. */
export function statusScript(mode: ServiceMode, p: AgentPaths): string {
  if (mode === 'systemd') return `systemctl is-active --quiet ${quote(p.unitName)}.service\n`;
  return `${pidHelpers(p)}\nagent_pid >/dev/null\n`;
}

export function logScript(mode: ServiceMode, p: AgentPaths, lines: number): string {
  const n = Math.max(1, Math.floor(lines));
  if (mode === 'systemd') return `journalctl --no-pager -o short-iso -n ${n} -u ${quote(p.unitName)}.service\n`;
  return `[ -f ${quote(p.logFile)} ] && tail -n ${n} ${quote(p.logFile)} || true\n`;
}

/** Stops the agent and removes every file it was installed with, and its hub identity (token, outbox). Idempotent. */
export function uninstallScript(p: AgentPaths): string {
  return `${stopScript('detached', p)}
if [ -f ${quote(p.unitFile)} ]; then
  systemctl disable --now ${quote(p.unitName)}.service >/dev/null 2>&1 || true
  rm -f ${quote(p.unitFile)}
  [ -d /run/systemd/system ] && systemctl daemon-reload || true
fi
rm -rf ${quote(p.prefix)} ${quote(p.agentState)}
`;
}

/** Prints how the agent at these paths is installed: `systemd`, `detached`, or `none`. */
export function installedScript(p: AgentPaths): string {
  return `if [ -f ${quote(p.unitFile)} ] && [ -d /run/systemd/system ]; then echo systemd
elif [ -e ${quote(p.prefix)} ] || [ -e ${quote(p.unitFile)} ]; then echo detached
else echo none; fi
`;
}
