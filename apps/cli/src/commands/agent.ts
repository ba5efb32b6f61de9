import type { Command } from 'commander';
import { readEnv } from '../env.js';
import { registryOptions } from '../registry-options.js';
import { CliExit, err } from '../runtime.js';
import { shimCommand } from '../shim.js';
import { VERSION } from '../version.js';

/** How to run this very CLI (`node drydock.mjs`): the shim's command without its `__shim` verb. */
function thisCli(): { command: string; args: string[] } {
  const { command, args } = shimCommand();
  return { command, args: args.filter((a) => a !== '__shim') };
}

interface AgentFlags {
  hub: string;
  token?: string;
  enrollToken?: string;
  root?: string;
}

/**
 * `drydock agent`: connects this host's store to a hub and runs its jobs, in
 * the foreground until SIGINT/SIGTERM (a systemd unit keeps it running).
 * The token may come from DRYDOCK_AGENT_TOKEN instead of the command line.
 */
export function defineAgent(cmd: Command): Command {
  return cmd
    .description('Connect this host to a Drydock hub and run its jobs')
    .requiredOption('--hub <url>', 'The hub URL, e.g. http://hub.example:3000')
    .option('--token <token>', "This host's token (default: $DRYDOCK_AGENT_TOKEN, else the one stored at enrollment)")
    .option('--enroll-token <token>', 'A one-time enrollment token, traded for a per-host token')
    .option('--root <dir>', 'The state root (default: $DRYDOCK_ROOT, as for every other command)')
    .action(async (flags: AgentFlags) => {
      const env = readEnv();
      if (!/^https?:\/\/[^/]/.test(flags.hub) || !URL.canParse(flags.hub)) throw new CliExit(`Error: invalid hub URL "${flags.hub}": expected http://HOST[:PORT]`, 125);
      const token = flags.token ?? env.agentToken;
      if (token && flags.enrollToken) throw new CliExit('Error: give either a token or an enrollment token, not both', 125);
      const root = flags.root ?? env.root;
      const { startAgent, hasStoredToken } = await import('@drydock/agent');
      if (!token && !flags.enrollToken && !hasStoredToken(root)) {
        throw new CliExit('Error: this host is not enrolled: pass --enroll-token (once) or --token', 125);
      }
      const agent = startAgent({
        hubUrl: flags.hub,
        root,
        agentVersion: VERSION,
        cli: thisCli(),
        registry: async () => (await registryOptions()).options,
        log: (line) => err(`drydock agent: ${line}`),
        ...(token ? { token } : {}),
        ...(flags.enrollToken ? { enrollToken: flags.enrollToken } : {}),
      });
      // The first signal waits for running jobs (their events are on disk either way); a second one does not.
      let signals = 0;
      const stop = () => (++signals === 1 ? void agent.close() : process.exit(130));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        await agent.stopped;
      } catch (e) {
        throw new CliExit(`Error: ${e instanceof Error ? e.message : String(e)}`, 1);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
