import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { readEnv } from '../env.js';
import { CliExit, err, out } from '../runtime.js';

interface UpFlags {
  port?: string;
  host: string;
  data?: string;
  agent: boolean;
}

/** What apps/web/dist/server.mjs exports (kept out of the CLI bundle: it pulls in Next.js). */
interface HubServerModule {
  startHubServer(opts: {
    port: number;
    host: string;
    dataDir: string;
    databaseUrl?: string | undefined;
    secretKey?: string | undefined;
    admin?: { email?: string | undefined; password?: string | undefined };
    log?: (line: string) => void;
  }): Promise<{ url: string; firstAdmin: { email: string; generatedPassword?: string } | null; localAgentToken(): Promise<string>; close(): Promise<void> }>;
}

/**
 * `drydock up`: the hub (dashboard, API, socket.io on one port) and an agent
 * for this host, spawned as `drydock agent` with its per-host token. Runs in
 * the foreground until SIGINT/SIGTERM.
 */
export function defineUp(cmd: Command): Command {
  return cmd
    .description('Start the hub (dashboard, API) and an agent for this host')
    .option('-p, --port <port>', 'Port to listen on (default: $PORT, else 3000)')
    .option('--host <address>', 'Address to listen on', '127.0.0.1')
    .option('--data <dir>', "The hub's data directory (default: <state root>/hub)")
    .option('--no-agent', 'Do not start an agent for this host')
    .action(async (flags: UpFlags) => {
      const env = readEnv();
      const portText = flags.port ?? env.hub.port ?? '3000';
      const port = Number(portText);
      if (!/^\d+$/.test(portText) || port > 65535) throw new CliExit(`Error: invalid port "${portText}"`, 125);
      // This module is a chunk next to the CLI's entry (apps/cli/dist); the hub's bundle is apps/web/dist.
      const serverPath = join(fileURLToPath(import.meta.url), '..', '..', '..', 'web', 'dist', 'server.mjs');
      const cliEntry = process.argv[1]!;
      if (!existsSync(serverPath)) throw new CliExit('Error: the hub is not built: run `npm start` (or `npm run build -w @drydock/web`)', 1);
      const { startHubServer } = (await import(pathToFileURL(serverPath).href)) as HubServerModule;
      const dataDir = flags.data ?? join(env.root, 'hub');

      let hub: Awaited<ReturnType<HubServerModule['startHubServer']>>;
      try {
        hub = await startHubServer({
          port,
          host: flags.host,
          dataDir,
          databaseUrl: env.hub.databaseUrl,
          secretKey: env.hub.secretKey,
          admin: { email: env.hub.adminEmail, password: env.hub.adminPassword },
          log: (line) => err(`drydock hub: ${line}`),
        });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new CliExit(`Error: ${flags.host}:${port} is already in use`, 1);
        throw new CliExit(`Error: ${e instanceof Error ? e.message : String(e)}`, 1);
      }
      out(`Drydock hub listening on ${hub.url}`);
      if (hub.firstAdmin?.generatedPassword) {
        out(`First admin: ${hub.firstAdmin.email}  password: ${hub.firstAdmin.generatedPassword}  (shown once; change it or set DRYDOCK_ADMIN_PASSWORD)`);
      }

      let agent: ChildProcess | undefined;
      let stopping = false;
      const startLocalAgent = async () => {
        const token = await hub.localAgentToken();
        agent = spawn(process.execPath, [cliEntry, 'agent', '--hub', hub.url, '--root', env.root], {
          stdio: ['ignore', 'inherit', 'inherit'],
          env: { ...process.env, DRYDOCK_AGENT_TOKEN: token },
        });
        agent.on('exit', (code, signal) => {
          if (!stopping) err(`drydock up: the local agent exited (${signal ?? `code ${code}`})`);
        });
      };
      if (flags.agent) await startLocalAgent();

      await new Promise<void>((resolve) => {
        const stop = () => {
          if (stopping) return;
          stopping = true;
          const agentDone = agent && agent.exitCode === null ? new Promise((r) => agent!.once('exit', r)) : Promise.resolve();
          agent?.kill('SIGTERM');
          void agentDone.then(() => hub.close()).then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
