import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { DrydockError, isDrydockError } from '../errors.js';
import { basicAuthorization, parseChallenge, type Challenge } from './auth.js';
import type { Credentials } from './credentials.js';
import type { RegistryHost } from './registry-host.js';

/** What a registry client needs from its caller: no environment is read here. */
export interface RegistryOptions {
  /** Looks up the credentials stored for a registry's auth key (see CredentialStore). */
  credentials?: (authKey: string) => Promise<Credentials | undefined>;
  /** host[:port] names or IPv4 CIDRs to reach over plain HTTP, besides loopback. */
  insecureRegistries?: readonly string[];
  /** Docker's per-registry TLS directory: `<certsDir>/<host:port>/ca.crt`, `client.cert` + `client.key`. */
  certsDir?: string;
  /** CA bundles trusted besides Node's own roots (the system's, NODE_EXTRA_CA_CERTS'); missing files are skipped. */
  caFiles?: readonly string[];
  /** Attempts for requests that can be repeated (GETs, HEADs, bodies in memory). */
  attempts?: number;
  userAgent?: string;
  /** Aborts every request (and body transfer) in flight; they then fail with `cancelled`. */
  signal?: AbortSignal;
}

export type Body = string | Buffer | Readable;

export interface RequestOptions {
  /** Token scopes this request needs (ignored by Basic auth). */
  scopes?: string[];
  headers?: Record<string, string>;
  body?: Body;
  /** Status codes that are success; anything else becomes an error. */
  expect?: number[];
}

export type Response = Dispatcher.ResponseData;

/**
 * A Distribution v2 / OCI distribution client for one registry. It answers
 * auth challenges as Docker does: Basic with the stored credentials, or a
 * Bearer token fetched from the challenge's realm for the request's scopes
 * (anonymously without credentials) and reused for the same scopes.
 * Repeatable requests are retried on connection resets and 5xx/429 answers.
 */
export class RegistryClient {
  readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, Promise<string>>();
  private creds: Promise<Credentials | undefined> | undefined;

  constructor(
    readonly host: RegistryHost,
    private readonly opts: RegistryOptions = {},
  ) {
    this.baseUrl = `${host.insecure ? 'http' : 'https'}://${host.apiHost}`;
    this.dispatcher = new Agent({ connect: tlsOptions(host, opts), keepAliveTimeout: 10_000, connections: 16 }).compose(interceptors.redirect({ maxRedirections: 5 }));
  }

  /**
   * GET /v2/, answering the challenge: resolves when the registry accepts us
   * (anonymously when it needs no auth), throws `unauthorized` otherwise.
   */
  async ping(): Promise<void> {
    const res = await this.request('GET', '/v2/', { expect: [200, 401] });
    await res.body.dump();
    if (res.statusCode === 401) throw new DrydockError('unauthorized', `login attempt to ${this.url('/v2/')} failed with status: 401 Unauthorized`);
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const replayable = !(opts.body && typeof opts.body === 'object' && 'pipe' in opts.body);
    const attempts = replayable ? (this.opts.attempts ?? 3) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.opts.signal?.aborted) throw cancelled(method, this.url(path));
        const res = await this.authorizedRequest(method, path, opts, replayable);
        if (transientStatus(res.statusCode) && attempt < attempts) {
          await res.body.dump();
          await backoff(attempt);
          continue;
        }
        if (opts.expect && !opts.expect.includes(res.statusCode)) throw await responseError(method, this.url(path), res);
        return res;
      } catch (err) {
        if (this.opts.signal?.aborted && !isDrydockError(err, 'cancelled')) throw cancelled(method, this.url(path), err);
        if (attempt >= attempts || isDrydockError(err) || !transientError(err)) throw isDrydockError(err) ? err : networkError(method, this.url(path), err);
        await backoff(attempt);
      }
    }
  }

  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.baseUrl}${path}`;
  }

  private async authorizedRequest(method: string, path: string, opts: RequestOptions, replayable: boolean): Promise<Response> {
    // Credentials go to the registry only, never to another host an upload Location names.
    if (new URL(this.url(path)).origin !== new URL(this.baseUrl).origin) return this.send(method, path, opts, undefined);
    const send = (authorization: string | undefined) => this.send(method, path, opts, authorization);
    let res = await send(await this.authorization(opts.scopes ?? []));
    if (res.statusCode !== 401) return res;
    const challenge = parseChallenge(res.headers['www-authenticate']);
    if (!challenge || !replayable) return res;
    const known = this.challenge;
    this.challenge = challenge;
    const scopes = opts.scopes ?? [];
    // A token we already held was refused: fetch a fresh one; a changed scheme or realm starts over.
    this.tokens.delete(scopes.join(' '));
    const retry = await this.authorization(scopes);
    if (retry === undefined || (known && sameChallenge(known, challenge) && challenge.scheme === 'basic')) return res;
    await res.body.dump();
    res = await send(retry);
    return res;
  }

  private send(method: string, path: string, opts: RequestOptions, authorization: string | undefined): Promise<Response> {
    return request(this.url(path), {
      method: method as Dispatcher.HttpMethod,
      headers: { 'user-agent': this.opts.userAgent ?? 'drydock', ...opts.headers, ...(authorization ? { authorization } : {}) },
      body: opts.body ?? null,
      dispatcher: this.dispatcher,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
  }

  private credentials(): Promise<Credentials | undefined> {
    return (this.creds ??= this.opts.credentials?.(this.host.authKey) ?? Promise.resolve(undefined));
  }

  private async authorization(scopes: string[]): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const creds = await this.credentials();
      return creds && basicAuthorization(creds.username, creds.password);
    }
    const key = scopes.join(' ');
    let token = this.tokens.get(key);
    if (!token) {
      token = this.fetchToken(challenge, scopes);
      this.tokens.set(key, token);
      token.catch(() => this.tokens.delete(key));
    }
    return `Bearer ${await token}`;
  }

  /** The Docker token flow: GET realm?service=…&scope=…, Basic credentials when we have them. */
  private async fetchToken(challenge: Challenge, scopes: string[]): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new DrydockError('registry', `${this.host.domain} sent a Bearer challenge without a realm`);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const s of scopes.length ? scopes : challenge.params.scope ? [challenge.params.scope] : []) url.searchParams.append('scope', s);
    const creds = await this.credentials();
    let res: Response;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { 'user-agent': this.opts.userAgent ?? 'drydock', ...(creds ? { authorization: basicAuthorization(creds.username, creds.password) } : {}) },
        dispatcher: this.dispatcher,
      });
    } catch (err) {
      throw networkError('GET', url.origin + url.pathname, err);
    }
    if (res.statusCode !== 200) throw await responseError('GET', url.origin + url.pathname, res);
    const body = (await res.body.json().catch(() => undefined)) as { token?: unknown; access_token?: unknown } | undefined;
    const token = typeof body?.token === 'string' ? body.token : typeof body?.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new DrydockError('registry', `the token service of ${this.host.domain} answered without a token`);
    return token;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

function sameChallenge(a: Challenge, b: Challenge): boolean {
  return a.scheme === b.scheme && a.params.realm === b.params.realm;
}

/** Node's roots plus the CA bundles and the registry's certs.d CA, and its client certificate. */
function tlsOptions(host: RegistryHost, opts: RegistryOptions): Agent.Options['connect'] {
  if (host.insecure) return {};
  const ca: string[] = [...rootCertificates];
  for (const file of opts.caFiles ?? []) if (existsSync(file)) ca.push(readFileSync(file, 'utf8'));
  const out: { ca: string[]; cert?: string; key?: string } = { ca };
  const dir = opts.certsDir ? join(opts.certsDir, host.apiHost) : undefined;
  if (dir && existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.crt')) ca.push(readFileSync(join(dir, f), 'utf8'));
      else if (f.endsWith('.cert')) {
        const key = join(dir, f.replace(/\.cert$/, '.key'));
        if (!existsSync(key)) throw new DrydockError('invalid-argument', `missing key ${key} for client certificate ${join(dir, f)}`);
        out.cert = readFileSync(join(dir, f), 'utf8');
        out.key = readFileSync(key, 'utf8');
      }
    }
  }
  return out;
}

function transientStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

const TRANSIENT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'EAI_AGAIN']);

export function transientError(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return TRANSIENT.has(e?.code ?? '') || TRANSIENT.has(e?.cause?.code ?? '');
}

async function backoff(attempt: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
}

const UNKNOWN_AUTHORITY = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);

/** Go's net/http wording, as Docker prints it: `Get "URL": dial tcp: lookup HOST: no such host`. */
export function networkError(method: string, url: string, err: unknown): DrydockError {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code && e.code !== 'UND_ERR_SOCKET' ? e.code : (e?.cause?.code ?? e?.code);
  const host = new URL(url).host;
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `dial tcp: lookup ${new URL(url).hostname}: no such host`
      : code === 'ECONNREFUSED'
        ? `dial tcp ${host}: connect: connection refused`
        : code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
          ? `dial tcp ${host}: i/o timeout`
          : UNKNOWN_AUTHORITY.has(code ?? '')
            ? 'x509: certificate signed by unknown authority'
            : code === 'ERR_SSL_WRONG_VERSION_NUMBER'
              ? 'http: server gave HTTP response to HTTPS client'
              : (e?.cause?.message ?? e?.message ?? String(err));
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  return new DrydockError('unreachable', `${verb} "${url}": ${why}`, { cause: err });
}

/** A registry's error answer: its first `errors[]` entry as Docker prints it (`code: message`). */
export async function responseError(method: string, url: string, res: Response): Promise<DrydockError> {
  const text = method === 'HEAD' ? '' : await res.body.text().catch(() => '');
  if (method === 'HEAD') await res.body.dump().catch(() => {});
  let detail = '';
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[]; details?: string };
    const first = body.errors?.[0];
    if (first) detail = `${(first.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${first.message ?? ''}`.replace(/^: /, '');
    else if (typeof body.details === 'string') detail = body.details;
  } catch {
    // Not JSON: fall back to the status.
  }
  if (res.statusCode === 401) {
    return new DrydockError('unauthorized', detail ? `${detail.startsWith('unauthorized') ? detail : `unauthorized: ${detail}`}` : 'unauthorized: authentication required');
  }
  if (res.statusCode === 403) return new DrydockError('unauthorized', detail || 'denied: requested access to the resource is denied');
  if (res.statusCode === 404) return new DrydockError('not-found', detail || `${method} ${url}: not found`);
  return new DrydockError('registry', `${detail || `unexpected status ${res.statusCode}`} (${method} ${url})`);
}

function cancelled(method: string, url: string, cause?: unknown): DrydockError {
  return new DrydockError('cancelled', `${method} ${url}: cancelled`, { cause });
}
