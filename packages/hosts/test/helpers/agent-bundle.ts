/**
 * The test's agent: a single-file bundle of the real CLI plus a stand-in `agent` command
 * (fixtures/agent-standin.mjs), and a hub stub the stand-in reports to over HTTP.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';

const fixtures = resolve(import.meta.dirname, '../fixtures');
const repo = resolve(import.meta.dirname, '../../../..');

export const CLI_VERSION: string = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;

/** Builds the stand-in bundle into `outfile`; `standinVersion` tells builds apart. */
export async function buildAgentBundle(outfile: string, standinVersion: string): Promise<void> {
  await build({
    entryPoints: [join(fixtures, 'agent-standin.mjs')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    alias: { 'better-sqlite3': join(fixtures, 'no-sqlite.mjs') },
    define: { DRYDOCK_VERSION: JSON.stringify(CLI_VERSION), STANDIN_VERSION: JSON.stringify(standinVersion) },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
}

export interface Enrollment {
  token: string;
  pid: number;
  node: string;
  version: string;
}

export interface HubStub {
  url: string;
  enrollments: Enrollment[];
  /** Resolves with the next enrollment that satisfies `match` (or one already received). */
  next(match: (e: Enrollment) => boolean): Promise<Enrollment>;
  close(): Promise<void>;
}

export async function startHubStub(address: string): Promise<HubStub> {
  const enrollments: Enrollment[] = [];
  const waiters: { match: (e: Enrollment) => boolean; resolve: (e: Enrollment) => void }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/enroll') {
        res.writeHead(404).end();
        return;
      }
      const e = JSON.parse(body) as Enrollment;
      enrollments.push(e);
      for (const w of waiters.splice(0)) {
        if (w.match(e)) w.resolve(e);
        else waiters.push(w);
      }
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${address}:${port}`,
    enrollments,
    next: (match) => {
      const seen = enrollments.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
