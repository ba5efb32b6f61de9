import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDistribution, type Distribution } from '../../../tooling/test/distribution.js';
import { busyboxTar, cliSandbox, expectCleanFailure } from './helpers/cli.js';

/**
 * Registries that are not on loopback: TLS verified against Docker's
 * certs.d/HOST:PORT/ca.crt, and plain HTTP only when listed as insecure.
 * They listen on this host's first non-loopback IPv4 address (dockerd's
 * bridge at least exists), since Docker's rules make every loopback registry insecure.
 */
function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('no non-loopback IPv4 address on this host');
}

const box = cliSandbox();
const address = hostAddress();
const certsDir = join(box.dir, 'certs.d');
box.env.DRYDOCK_CERTS_D = certsDir;
box.env.DOCKER_CONFIG = join(box.dir, 'docker');
let tls: Distribution;
let plain: Distribution;

beforeAll(async () => {
  const dir = join(box.dir, 'pki');
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=drydock test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${address}`);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=IP:${address}\n`);
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  tls = await startDistribution({ address, tls: { certificate: join(dir, 'server.crt'), key: join(dir, 'server.key') } });
  plain = await startDistribution({ address });
  expect(box.run(['import', busyboxTar, `${tls.host}/tls/bb:1`]).status).toBe(0);
  expect(box.run(['tag', `${tls.host}/tls/bb:1`, `${plain.host}/plain/bb:1`]).status).toBe(0);
  mkdirSync(certsDir, { recursive: true });
}, 60_000);

afterAll(async () => {
  await tls?.stop();
  await plain?.stop();
  box.cleanup();
});

describe('registries off loopback', () => {
  it('refuses a certificate from an unknown CA in one line, and trusts certs.d/HOST:PORT/ca.crt', () => {
    expect(expectCleanFailure(box.run(['push', `${tls.host}/tls/bb:1`]))).toBe(
      `Post "https://${tls.host}/v2/tls/bb/blobs/uploads/": x509: certificate signed by unknown authority`,
    );
    mkdirSync(join(certsDir, tls.host), { recursive: true });
    execFileSync('cp', [join(box.dir, 'pki', 'ca.crt'), join(certsDir, tls.host, 'ca.crt')]);
    const push = box.run(['push', `${tls.host}/tls/bb:1`]);
    expect(push.status, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    const fresh = cliSandbox();
    fresh.env.DRYDOCK_CERTS_D = certsDir;
    try {
      const pull = fresh.run(['pull', `${tls.host}/tls/bb:1`]);
      expect(pull.status, pull.stderr).toBe(0);
      expect(pull.stdout).toContain(`Status: Downloaded newer image for ${tls.host}/tls/bb:1`);
    } finally {
      fresh.cleanup();
    }
  });

  it('trusts the CAs of NODE_EXTRA_CA_CERTS, which bin/drydock hands to the registry client', () => {
    const fresh = cliSandbox();
    fresh.env.DRYDOCK_CERTS_D = join(fresh.dir, 'no-certs.d');
    fresh.env.NODE_EXTRA_CA_CERTS = join(box.dir, 'pki', 'ca.crt');
    try {
      const pull = fresh.run(['pull', `${tls.host}/tls/bb:1`]);
      expect(pull.status, pull.stderr).toBe(0);
      expect(pull.stdout).toContain(`Status: Downloaded newer image for ${tls.host}/tls/bb:1`);
      delete fresh.env.NODE_EXTRA_CA_CERTS;
      expect(expectCleanFailure(fresh.run(['pull', `${tls.host}/tls/bb:1`]))).toMatch(/x509: certificate signed by unknown authority$/);
    } finally {
      fresh.cleanup();
    }
  });

  it('downloads over HTTPS, for import and for ADD, trusting the CAs of NODE_EXTRA_CA_CERTS', async () => {
    const pki = join(box.dir, 'pki');
    const files: Record<string, Buffer> = { '/rootfs.tar': readFileSync(busyboxTar), '/hello.txt': Buffer.from('hello over TLS\n') };
    const server = createHttpsServer({ key: readFileSync(join(pki, 'server.key')), cert: readFileSync(join(pki, 'server.crt')) }, (req, res) => {
      const body = files[req.url ?? ''];
      res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((done) => server.listen(0, address, done));
    const base = `https://${address}:${(server.address() as AddressInfo).port}`;
    const fresh = cliSandbox();
    const ctx = join(fresh.dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM imported:1\nADD ${base}/hello.txt /hello.txt\n`);
    try {
      // The CLI runs while this process serves: spawn, not spawnSync.
      fresh.env.NODE_EXTRA_CA_CERTS = join(box.dir, 'missing-ca.crt');
      expect((await fresh.spawn(['import', `${base}/rootfs.tar`, 'imported:1'])).stderr).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      fresh.env.NODE_EXTRA_CA_CERTS = join(pki, 'ca.crt');
      const imported = await fresh.spawn(['import', `${base}/rootfs.tar`, 'imported:1']);
      expect(imported.status, imported.stderr).toBe(0);
      const built = await fresh.spawn(['build', '-q', '-t', 'added:1', ctx]);
      expect(built.status, built.stderr).toBe(0);
      const run = await fresh.spawn(['run', '--rm', '--network', 'none', 'added:1', 'cat', '/hello.txt']);
      expect(run).toMatchObject({ status: 0, stdout: 'hello over TLS\n' });
    } finally {
      fresh.cleanup();
      server.close();
    }
  });

  it('speaks plain HTTP to a registry only when it is listed as insecure', () => {
    const r = expectCleanFailure(box.run(['push', `${plain.host}/plain/bb:1`]));
    // The layer is known from the TLS push, so the first request is a HEAD for it.
    expect(r).toMatch(new RegExp(`^Head "https://${plain.host.replace(/\./g, '\\.')}/v2/plain/bb/blobs/sha256:[0-9a-f]{64}": http: server gave HTTP response to HTTPS client$`));
    box.env.DRYDOCK_INSECURE_REGISTRIES = `${address}/32`;
    try {
      const push = box.run(['push', `${plain.host}/plain/bb:1`]);
      expect(push.status, push.stderr).toBe(0);
    } finally {
      delete box.env.DRYDOCK_INSECURE_REGISTRIES;
    }
  });
});
