import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDrydockError } from '../../src/errors.js';
import { parsePortSpecs } from '../../src/network/port-spec.js';
import { PortAllocator } from '../../src/network/ports.js';

describe('PortAllocator (host-port reservations shared through the state root)', () => {
  let dir: string;
  let ports: PortAllocator;
  let other: PortAllocator; // a second process on the same root
  const servers: Server[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-ports-'));
    ports = new PortAllocator(join(dir, 'ports'));
    other = new PortAllocator(join(dir, 'ports'));
  });
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const listen = (host: string) =>
    new Promise<number>((resolve) => {
      const s = createServer().listen(0, host, () => resolve((s.address() as { port: number }).port));
      servers.push(s);
    });

  it('settles random ports, and refuses overlapping reservations across allocators', async () => {
    const [a] = await ports.allocate('c1', parsePortSpecs(['127.0.0.1::80']));
    expect(a).toMatchObject({ hostIp: '127.0.0.1', containerPort: 80, proto: 'tcp' });
    expect(a!.hostPort).toBeGreaterThan(1024);
    await expect(other.allocate('c2', parsePortSpecs([`${a!.hostPort}:80`]))).rejects.toThrow(`Bind for 0.0.0.0:${a!.hostPort} failed: port is already allocated`);
    await expect(other.allocate('c2', parsePortSpecs([`0.0.0.0:${a!.hostPort}:80`]))).rejects.toThrow(/port is already allocated/);
    // another proto, or another specific address, does not overlap
    await expect(other.allocate('c2', parsePortSpecs([`127.0.0.1:${a!.hostPort}:80/udp`]))).resolves.toHaveLength(1);
    expect((await ports.list()).map((r) => `${r.containerId} ${r.proto}`).sort()).toEqual(['c1 tcp', 'c2 udp']);
    expect(await ports.release('c1')).toBe(1);
    await expect(other.allocate('c3', parsePortSpecs([`${a!.hostPort}:80`]))).resolves.toHaveLength(1);
  });

  it('is all or nothing, and refuses the same host port twice in one container', async () => {
    const busy = await listen('127.0.0.1');
    await expect(ports.allocate('c1', parsePortSpecs(['127.0.0.1::80', `127.0.0.1:${busy}:81`]))).rejects.toThrow(
      `Bind for 127.0.0.1:${busy} failed: port is already allocated`,
    );
    expect(await ports.list()).toEqual([]);
    const err = await ports.allocate('c1', parsePortSpecs([`${busy + 1}:80`, `${busy + 1}:81`])).catch((e: unknown) => e);
    expect(isDrydockError(err, 'conflict')).toBe(true);
    expect(await ports.list()).toEqual([]);
  });

  it('takes the first free port of a dynamic range, and says when the range is exhausted', async () => {
    const busy = await listen('127.0.0.1');
    const [p] = await ports.allocate('c1', parsePortSpecs([`127.0.0.1:${busy}-${busy + 1}:80`]));
    expect(p!.hostPort).toBe(busy + 1);
    await expect(ports.allocate('c2', parsePortSpecs([`127.0.0.1:${busy}-${busy + 1}:80`]))).rejects.toThrow('all ports are allocated');
  });

  it('refuses a host address this host does not have (binding only, no traffic)', async () => {
    const err = await ports.allocate('c1', parsePortSpecs(['203.0.113.7:8080:80'])).catch((e: unknown) => e);
    expect(isDrydockError(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toBe('listen tcp 203.0.113.7:8080: bind: cannot assign requested address');
    expect(await ports.list()).toEqual([]);
  });
});
