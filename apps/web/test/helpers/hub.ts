import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, type Agent } from '@drydock/agent';
import { busyboxTar, cliSandbox, repoRoot } from '../../../cli/test/helpers/cli.js';
import { startHubServer, type HubServer } from '../../server/index.js';

export const ADMIN = { email: 'ann@example.com', password: 'ann-password-1' };

/** Polls until `check` returns a value (not undefined/false); no fixed sleeps in the assertions. */
export async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function tarOf(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(repoRoot, '.cache-ctx-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync('tar', ['-C', dir, '-cf', '-', '.']);
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A hub (API only, or with the dashboard) plus a real agent on a sandboxed store holding busybox. */
export async function startHubWithAgent(opts: { databaseUrl?: string; web?: boolean } = {}) {
  const cli = cliSandbox();
  const imported = cli.run(['import', busyboxTar, 'busybox:latest']);
  if (imported.status !== 0) throw new Error(imported.stderr);
  const server: HubServer = await startHubServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(cli.dir, 'hub'),
    databaseUrl: opts.databaseUrl,
    admin: ADMIN,
    web: opts.web ?? false,
  });
  const agent: Agent = startAgent({
    hubUrl: server.url,
    root: cli.env.DRYDOCK_ROOT,
    token: await server.localAgentToken(),
    pollMs: 100,
    inventoryMs: 1000,
    cli: { command: process.execPath, args: [join(repoRoot, 'apps/cli/dist/drydock.mjs')] },
  });
  await until(() => agent.ready, 'the agent to connect');
  return {
    cli,
    server,
    agent,
    async stop() {
      await agent.close();
      await server.close();
      // Containers a test made through the hub and left (a failed test, a dialog's defaults) would keep their
      // overlay mounts and network namespaces alive after the sandbox is gone.
      const left = cli.run(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
      if (left.length > 0) cli.run(['rm', '-f', ...left]);
      cli.cleanup();
    },
  };
}

/** A small REST client. */
export function api(base: string, auth?: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined && !(body instanceof Buffer) ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : body instanceof Buffer ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json as any };
  };
}

export async function tokenFor(base: string, email: string, password: string): Promise<string> {
  const r = await api(base, `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`)('POST', '/api/v1/tokens');
  if (r.status !== 201) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { token: string }).token;
}

/** Calls a tRPC mutation over HTTP (no transformer: the body is the input). */
export async function trpcMutation(base: string, auth: string, path: string, input: unknown) {
  const res = await fetch(`${base}/api/trpc/${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  return { status: res.status, body: (await res.json()) as any };
}
