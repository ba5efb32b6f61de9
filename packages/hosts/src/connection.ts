/**
 * One SSH connection to a host (ssh2), with the host key checked against a pinned
 * fingerprint and ssh2's failures turned into `HostError`s.
 *
 * Scripts run through `sh -s` with the script on stdin, so nothing (no token, no path a user
 * typed) lands on a remote command line; `root: true` runs them through `sudo -n` when the
 * login user is not root. Files go through SFTP into a staging directory of the login user
 * and are then installed with root's rights.
 */
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { HostError } from './errors.js';
import { fingerprintOf, normalizeFingerprint } from './fingerprint.js';

export interface SshCredentials {
  host: string;
  port?: number;
  username: string;
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
}

export interface ConnectOptions {
  ssh: SshCredentials;
  /** The pinned (or newly accepted) host key fingerprint; absent on first contact. */
  hostKeyFingerprint?: string;
  /** How long the TCP connect plus SSH handshake may take (default 20 s). */
  timeoutMs?: number;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How root's rights are obtained on the host. */
export type Privilege = 'root' | 'sudo';

export class SshSession {
  /** Set once the privilege check has run; root scripts need it. */
  privilege: Privilege | undefined;
  private sftpChannel: Promise<SFTPWrapper> | undefined;
  /** Commands in flight, failed at once when the connection drops under them. */
  private readonly pending = new Set<(err: Error) => void>();

  constructor(
    private readonly client: Client,
    readonly hostKeyFingerprint: string,
    /** `user@host:port`, for messages. */
    readonly where: string,
  ) {
    client.on('close', () => {
      for (const fail of this.pending) fail(new HostError('unreachable', `the connection to ${where} was lost`));
      this.pending.clear();
    });
  }

  /** Runs a shell script (on stdin of `sh -s`); resolves whatever its exit status. */
  exec(script: string, opts: { root?: boolean } = {}): Promise<CommandResult> {
    let command = 'sh -s';
    if (opts.root) {
      if (this.privilege === undefined) throw new Error('privilege not checked before a root command');
      if (this.privilege === 'sudo') command = 'sudo -n sh -s';
    }
    let fail: (err: Error) => void = () => {};
    return new Promise<CommandResult>((resolve, reject) => {
      fail = reject;
      this.pending.add(reject);
      this.client.exec(command, (err, stream: ClientChannel) => {
        if (err) return reject(new HostError('command-failed', `cannot run a command on ${this.where}: ${err.message}`, { cause: err }));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => errOut.push(d));
        stream.on('close', (code: number | null, signal?: string) => {
          resolve({ code: code ?? (signal ? 128 : 255), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
        });
        stream.end(script);
      });
    }).finally(() => this.pending.delete(fail));
  }

  /** Runs a script and returns its stdout, or throws `code` with its last stderr line. */
  async run(script: string, what: string, opts: { root?: boolean; code?: HostError['code'] } = {}): Promise<string> {
    const r = await this.exec(script, opts);
    if (r.code !== 0) throw new HostError(opts.code ?? 'command-failed', `${what} failed on ${this.where}: ${lastLine(r.stderr) || `exit status ${r.code}`}`);
    return r.stdout;
  }

  /** Copies a local file to a path the login user can write. */
  async put(localPath: string, remotePath: string): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.fastPut(localPath, remotePath, { mode: 0o600 }, (err) => (err ? reject(new HostError('install-failed', `upload to ${this.where} failed: ${err.message}`, { cause: err })) : resolve())),
    );
  }

  /** Writes `content` to a path the login user can write, mode 0600. */
  async write(remotePath: string, content: string): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.writeFile(remotePath, content, { mode: 0o600 }, (err) => (err ? reject(new HostError('install-failed', `upload to ${this.where} failed: ${err.message}`, { cause: err })) : resolve())),
    );
  }

  close(): void {
    this.client.end();
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise((resolve, reject) =>
      this.client.sftp((err, sftp) => (err ? reject(new HostError('install-failed', `SFTP is not available on ${this.where}: ${err.message}`, { cause: err })) : resolve(sftp))),
    );
    return this.sftpChannel;
  }
}

/** Throws when the credentials cannot work, before any connection. */
export function checkCredentials(ssh: SshCredentials): void {
  if (!ssh.host || !ssh.username) throw new HostError('invalid-argument', 'an SSH host and username are required');
  if (ssh.privateKey === undefined && ssh.password === undefined) throw new HostError('invalid-argument', `no private key or password given for ${ssh.username}@${ssh.host}:${ssh.port ?? 22}`);
}

/** Connects and authenticates, or throws a `HostError` that says why not. */
export async function connect(opts: ConnectOptions): Promise<SshSession> {
  const { ssh } = opts;
  checkCredentials(ssh);
  const port = ssh.port ?? 22;
  const where = `${ssh.username}@${ssh.host}:${port}`;
  const pinned = opts.hostKeyFingerprint === undefined ? undefined : normalizeFingerprint(opts.hostKeyFingerprint);
  let seen: string | undefined;

  const config: ConnectConfig = {
    host: ssh.host,
    port,
    username: ssh.username,
    readyTimeout: opts.timeoutMs ?? 20_000,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    tryKeyboard: false,
    hostVerifier: (key: Buffer) => {
      seen = fingerprintOf(key);
      return pinned === undefined || seen === pinned;
    },
  };
  if (ssh.privateKey !== undefined) config.privateKey = ssh.privateKey;
  if (ssh.passphrase !== undefined) config.passphrase = ssh.passphrase;
  if (ssh.password !== undefined) config.password = ssh.password;

  return new Promise((resolve, reject) => {
    const client = new Client();
    // ssh2 may emit more than one error (a timeout, then the lost connection): the first
    // one decides; later failures surface through the channel in use.
    let settled = false;
    client.once('ready', () => {
      settled = true;
      resolve(new SshSession(client, seen ?? '', where));
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(connectError(err, where, pinned, seen));
    });
    try {
      client.connect(config);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      reject(new HostError('invalid-key', `the private key for ${where} cannot be used: ${message.replace(/^Cannot parse privateKey: /, '')}`, { cause: err }));
    }
  });
}

/** Reads the server's host key fingerprint without authenticating (for an admin to compare). */
export function scanHostKey(target: { host: string; port?: number; timeoutMs?: number }): Promise<string> {
  const where = `${target.host}:${target.port ?? 22}`;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seen: string | undefined;
    let settled = false;
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (settled) return;
      settled = true;
      client.end();
      if (seen) resolve(seen);
      else reject(connectError(err, where, undefined, undefined));
    });
    client.connect({
      host: target.host,
      port: target.port ?? 22,
      username: 'drydock-host-key-scan',
      readyTimeout: target.timeoutMs ?? 20_000,
      hostVerifier: (key: Buffer) => {
        seen = fingerprintOf(key);
        return false; // stop before authentication
      },
    });
  });
}

function connectError(err: Error & { level?: string; code?: string }, where: string, pinned: string | undefined, seen: string | undefined): HostError {
  if (pinned !== undefined && seen !== undefined && seen !== pinned) {
    return new HostError('host-key-changed', `host key changed for ${where}: expected ${pinned} got ${seen} (accept the new key to continue)`, { cause: err });
  }
  if (err.level === 'client-authentication') return new HostError('auth-failed', `authentication failed for ${where}: the key or password was refused`, { cause: err });
  if (err.level === 'client-timeout') return new HostError('unreachable', `cannot reach ${where}: timed out waiting for the SSH handshake`, { cause: err });
  if (err.level === 'client-socket' || err.level === 'client-dns' || err.code) {
    return new HostError('unreachable', `cannot reach ${where}: ${err.code ?? err.message}`, { cause: err });
  }
  return new HostError('unreachable', `SSH connection to ${where} failed: ${err.message}`, { cause: err });
}

/** The line of a command's stderr worth showing: its last error line, else its last line. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  return [...lines].reverse().find((l) => /^(\w*Error\b|E: )/.test(l)) ?? lines.pop() ?? '';
}
