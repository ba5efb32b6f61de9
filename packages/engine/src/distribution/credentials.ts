import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DrydockError } from '../errors.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Where `store` put the credentials: config.json itself, or a docker-credential-* helper. */
export type CredentialLocation = { kind: 'file'; path: string } | { kind: 'helper'; helper: string };

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

/**
 * Docker's client configuration (`config.json` in DOCKER_CONFIG or ~/.docker;
 * the caller passes the directory). Credentials live in `auths` as base64
 * `user:password`, unless a helper is configured: `credHelpers[server]` wins,
 * then `credsStore`. Helpers are `docker-credential-<name>` programs speaking
 * Docker's protocol: `store` reads {ServerURL,Username,Secret} on stdin, `get`
 * reads the server URL and prints that JSON, `erase` reads the server URL.
 * Keys other than these are kept as they are when the file is rewritten.
 */
export class CredentialStore {
  readonly path: string;

  constructor(readonly dir: string) {
    this.path = join(dir, 'config.json');
  }

  async get(server: string): Promise<Credentials | undefined> {
    const config = this.read();
    const helper = helperFor(config, server);
    if (helper) {
      const r = await runHelper(helper, 'get', server);
      if (r.code !== 0) {
        if (/credentials not found/i.test(r.stdout + r.stderr)) return undefined;
        throw helperError(helper, 'get', r);
      }
      const parsed = parseJson(r.stdout) as { Username?: unknown; Secret?: unknown } | undefined;
      if (typeof parsed?.Username !== 'string' || typeof parsed.Secret !== 'string') {
        throw new DrydockError('invalid-argument', `docker-credential-${helper} get printed something other than credentials`);
      }
      return { username: parsed.Username, password: parsed.Secret };
    }
    const entry = config.auths?.[server];
    if (entry?.auth) {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon < 0) throw new DrydockError('invalid-argument', `${this.path}: the auth entry for ${server} is not base64 user:password`);
      return { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
    if (typeof entry?.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
    return undefined;
  }

  async store(server: string, creds: Credentials): Promise<CredentialLocation> {
    const config = this.read();
    const helper = helperFor(config, server);
    if (helper) {
      const r = await runHelper(helper, 'store', JSON.stringify({ ServerURL: server, Username: creds.username, Secret: creds.password }));
      if (r.code !== 0) throw helperError(helper, 'store', r);
      // Docker keeps an empty entry so `auths` still lists the registry.
      config.auths = { ...config.auths, [server]: {} };
      this.write(config);
      return { kind: 'helper', helper };
    }
    config.auths = { ...config.auths, [server]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } };
    this.write(config);
    return { kind: 'file', path: this.path };
  }

  /** Forgets the credentials for `server`; false when there were none. */
  async erase(server: string): Promise<boolean> {
    const config = this.read();
    const inFile = config.auths !== undefined && server in config.auths;
    const helper = helperFor(config, server);
    let inHelper = false;
    if (helper) {
      const r = await runHelper(helper, 'erase', server);
      inHelper = r.code === 0;
      if (r.code !== 0 && !/credentials not found/i.test(r.stdout + r.stderr)) throw helperError(helper, 'erase', r);
    }
    if (inFile) {
      delete config.auths![server];
      this.write(config);
    }
    return inFile || inHelper;
  }

  private read(): ConfigFile {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new DrydockError('io', `cannot read ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    const parsed = parseJson(text);
    if (parsed === undefined || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DrydockError('invalid-argument', `${this.path} is not a JSON object`);
    }
    return parsed as ConfigFile;
  }

  /** Written whole then renamed: a crash never leaves half a config; mode 0600 as Docker. */
  private write(config: ConfigFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}

function helperFor(config: ConfigFile, server: string): string | undefined {
  return config.credHelpers?.[server] || config.credsStore || undefined;
}

interface HelperResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DrydockError(
          err.code === 'ENOENT' ? 'not-found' : 'io',
          err.code === 'ENOENT' ? `docker-credential-${helper} is not installed (configured as a credential helper)` : `docker-credential-${helper}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** The helper's own message, never the secret (helpers do not echo it). */
function helperError(helper: string, action: string, r: HelperResult): DrydockError {
  const why = (r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? '';
  return new DrydockError('io', `error ${action === 'get' ? 'getting' : action === 'store' ? 'storing' : 'erasing'} credentials with docker-credential-${helper}: ${why || `exit status ${r.code}`}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
