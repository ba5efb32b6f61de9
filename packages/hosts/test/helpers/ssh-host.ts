/**
 * A real SSH test host: Debian's OpenSSH server in a network namespace of its own, reached
 * over a veth pair with a private /30 picked at random (10.231.x.y). It has a generated host
 * key, an authorized key for root, a user without sudo rights (password login) and a user
 * with passwordless sudo (key login). `close()` tears everything down, also after failures.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

export interface SshTestHost {
  /** The host's address inside the namespace (sshd listens on port 22). */
  address: string;
  /** The test machine's address on the same link (for servers the host must reach). */
  peerAddress: string;
  port: number;
  /** `ssh-keygen -lf` of the host key: what the client must see. */
  hostKeyFingerprint: string;
  rootKey: KeyPair;
  /** A user without sudo rights who logs in with a password. */
  plainUser: { name: string; password: string };
  /** A user with passwordless sudo whose key is protected by a passphrase. */
  sudoUser: { name: string; key: KeyPair; passphrase: string };
  /** What sshd printed (it logs to stderr with -e), for failure messages. */
  log(): string;
  /** Replaces the host key (the server restarts) and returns the new fingerprint. */
  rotateHostKey(): Promise<string>;
  close(): Promise<void>;
}

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export async function startSshHost(): Promise<SshTestHost> {
  sweepAbandoned();
  const id = randomBytes(3).toString('hex');
  // Names carry this process's pid, so a later run can remove what a killed run left.
  const tag = `${process.pid}-${id}`;
  const dir = mkdtempSync(join(tmpdir(), `drydock-sshhost-${tag}-`));
  const ns = `dd-ssh-${tag}`;
  const vethHost = `ddh${id}`;
  const vethNs = `ddn${id}`;
  const plain = `ddt-${tag}`;
  const sudoer = `dds-${tag}`;
  const sudoersFile = `/etc/sudoers.d/drydock-test-${tag}`;
  const cleanup: (() => void)[] = [];
  let sshd: ChildProcess | undefined;
  let log = '';

  const close = async (): Promise<void> => {
    await stopSshd(sshd);
    for (const undo of cleanup.reverse()) {
      try {
        undo();
      } catch {
        // keep tearing down the rest
      }
    }
    cleanup.length = 0;
  };

  try {
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const [address, peerAddress] = freeSubnet();
    sh('ip', ['netns', 'add', ns]);
    cleanup.push(() => sh('ip', ['netns', 'del', ns]));
    // Processes the tests started in the namespace (agents) die with it.
    cleanup.push(() => {
      for (const pid of sh('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    sh('ip', ['link', 'add', vethHost, 'type', 'veth', 'peer', 'name', vethNs]);
    cleanup.push(() => sh('ip', ['link', 'del', vethHost]));
    sh('ip', ['link', 'set', vethNs, 'netns', ns]);
    sh('ip', ['addr', 'add', `${peerAddress}/30`, 'dev', vethHost]);
    sh('ip', ['link', 'set', vethHost, 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${address}/30`, 'dev', vethNs]);
    sh('ip', ['-n', ns, 'link', 'set', vethNs, 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);

    const rootKey = keyPair(join(dir, 'root_key'), '');
    const sudoPassphrase = randomBytes(9).toString('base64url');
    const sudoKey = keyPair(join(dir, 'sudo_key'), sudoPassphrase);
    const password = randomBytes(12).toString('base64url');

    sh('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', plain]);
    cleanup.push(() => sh('userdel', ['-f', plain]));
    sh('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', sudoer]);
    cleanup.push(() => sh('userdel', ['-f', sudoer]));
    execFileSync('chpasswd', { input: `${plain}:${password}\n` });
    sh('usermod', ['-p', '*', sudoer]); // no password, but not locked: sshd refuses locked accounts even with a key
    writeFileSync(`${sudoersFile}.tmp`, `${sudoer} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
    sh('visudo', ['-cqf', `${sudoersFile}.tmp`]);
    execFileSync('mv', [`${sudoersFile}.tmp`, sudoersFile]);
    cleanup.push(() => rmSync(sudoersFile, { force: true }));

    // sshd reads a user's authorized keys with that user's rights.
    chmodSync(dir, 0o755);
    const auth = join(dir, 'authorized');
    mkdirSync(auth, { mode: 0o755 });
    writeFileSync(join(auth, 'root'), rootKey.publicKey);
    writeFileSync(join(auth, sudoer), sudoKey.publicKey);
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory

    const hostKey = join(dir, 'host_key');
    const config = join(dir, 'sshd_config');
    writeFileSync(config, [
      `ListenAddress ${address}:22`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${auth}/%u`,
      'StrictModes no', // the keys live under /tmp
      'PermitRootLogin yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'));

    const startWithNewKey = async (): Promise<string> => {
      await stopSshd(sshd);
      rmSync(hostKey, { force: true });
      rmSync(`${hostKey}.pub`, { force: true });
      sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `drydock-test-${id}`, '-f', hostKey]);
      sh('/usr/sbin/sshd', ['-t', '-f', config]);
      sshd = spawn('ip', ['netns', 'exec', ns, '/usr/sbin/sshd', '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      sshd.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      await waitForPort(address, 22, sshd, () => log);
      return sh('ssh-keygen', ['-lf', `${hostKey}.pub`]).split(' ')[1]!;
    };
    const hostKeyFingerprint = await startWithNewKey();

    return {
      address,
      peerAddress,
      port: 22,
      hostKeyFingerprint,
      rootKey,
      plainUser: { name: plain, password },
      sudoUser: { name: sudoer, key: sudoKey, passphrase: sudoPassphrase },
      log: () => log,
      rotateHostKey: startWithNewKey,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Removes namespaces (and the agents in them), users, sudoers entries and temporary directories of test runs that were killed. */
function sweepAbandoned(): void {
  const dead = (name: string, pattern: RegExp): boolean => {
    const pid = pattern.exec(name)?.[1];
    if (!pid) return false;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  const quietly = (fn: () => unknown): void => {
    try {
      fn();
    } catch {
      // best effort: the next run tries again
    }
  };
  for (const ns of sh('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '')) {
    if (!dead(ns, /^dd-ssh-(\d+)-/)) continue;
    for (const pid of sh('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean)) quietly(() => process.kill(Number(pid), 'SIGKILL'));
    quietly(() => sh('ip', ['netns', 'del', ns])); // takes the veth pair with it
  }
  for (const user of readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')[0] ?? '')) {
    if (dead(user, /^dd[ts]-(\d+)-/)) quietly(() => sh('userdel', ['-f', user]));
  }
  for (const name of readdirSync('/etc/sudoers.d')) if (dead(name, /^drydock-test-(\d+)-/)) rmSync(join('/etc/sudoers.d', name), { force: true });
  for (const name of readdirSync(tmpdir())) if (dead(name, /^drydock-(?:sshhost|hosts)-(\d+)-/)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
}

export function keyPair(path: string, passphrase: string): KeyPair {
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'drydock-test', '-f', path]);
  return { privateKey: readFileSync(path, 'utf8'), publicKey: readFileSync(`${path}.pub`, 'utf8') };
}

/** A /30 in 10.231.0.0/16 that no interface on this machine uses: [namespace side, host side]. */
function freeSubnet(): [string, string] {
  const used = sh('ip', ['-o', '-4', 'addr', 'show']) + sh('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (;;) {
    const third = randomInt(256);
    const base = randomInt(64) * 4;
    if (!used.includes(`10.231.${third}.`)) return [`10.231.${third}.${base + 2}`, `10.231.${third}.${base + 1}`];
  }
}

/** Resolves once the server accepts TCP connections; rejects with its log if it exits first. */
async function waitForPort(host: string, port: number, proc: ChildProcess, log: () => string): Promise<void> {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`sshd exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = tcpConnect({ host, port }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopSshd(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}
