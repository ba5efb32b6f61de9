import { createSocket } from 'node:dgram';
import { mkdirSync } from 'node:fs';
import { open, readFile, readdir, unlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DrydockError } from '../errors.js';
import type { PortProto, PortSpec, PublishedPort } from './port-spec.js';

/** One reserved host port and the container it belongs to. */
export interface PortReservation {
  containerId: string;
  hostIp: string;
  hostPort: number;
  proto: PortProto;
}

/**
 * Host-port reservations shared by every process using one state root. Published ports are
 * DNAT rules, not sockets, so nothing on the host "holds" them; instead each reservation is
 * a file `<dir>/<proto>_<port>_<ip|any>` created with O_EXCL (atomic across processes) whose
 * content is the owning container ID. A port is refused when another reservation overlaps
 * it (same proto and port, and the same address or either one all addresses) or when a host
 * process already listens on it (checked by binding it, as Docker's proxy would).
 */
export class PortAllocator {
  constructor(private readonly dir: string) {}

  /**
   * Reserves a host port for every spec, settling random (`hostPortStart` 0) and range
   * specs to one port. All or nothing: on failure what was reserved is released and a
   * `conflict` with Docker's message is thrown (`Bind for 0.0.0.0:8080 failed: port is
   * already allocated`; `all ports are allocated` for an exhausted range), or
   * `invalid-argument` when the host IP is not an address of this host.
   */
  async allocate(containerId: string, specs: readonly PortSpec[]): Promise<PublishedPort[]> {
    mkdirSync(this.dir, { recursive: true });
    const taken: string[] = [];
    const out: PublishedPort[] = [];
    try {
      for (const spec of specs) {
        const port = await this.settle(containerId, spec, taken);
        out.push({ hostIp: spec.hostIp, hostPort: port, containerPort: spec.containerPort, proto: spec.proto });
      }
    } catch (err) {
      await Promise.all(taken.map((f) => unlink(f).catch(() => {})));
      throw err;
    }
    return out;
  }

  /** Drops every reservation of a container; returns how many there were. */
  async release(containerId: string): Promise<number> {
    const mine = (await this.list()).filter((r) => r.containerId === containerId);
    await Promise.all(mine.map((r) => unlink(this.fileFor(r.hostIp, r.hostPort, r.proto)).catch(() => {})));
    return mine.length;
  }

  /** Every reservation under this root. */
  async list(): Promise<PortReservation[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: PortReservation[] = [];
    for (const name of names) {
      const m = /^(tcp|udp|sctp)_(\d+)_(.+)$/.exec(name);
      if (!m) continue;
      const owner = (await readFile(join(this.dir, name), 'utf8').catch(() => '')).trim();
      if (!owner) continue;
      out.push({ proto: m[1] as PortProto, hostPort: Number(m[2]), hostIp: m[3] === 'any' ? '' : m[3]!, containerId: owner });
    }
    return out;
  }

  private async settle(containerId: string, spec: PortSpec, taken: string[]): Promise<number> {
    const { hostIp, proto } = spec;
    const shown = hostIp === '' ? '0.0.0.0' : hostIp;
    if (spec.hostPortStart !== 0 && spec.hostPortStart === spec.hostPortEnd) {
      if (await this.tryReserve(containerId, hostIp, spec.hostPortStart, proto, taken)) return spec.hostPortStart;
      throw new DrydockError('conflict', `Bind for ${shown}:${spec.hostPortStart} failed: port is already allocated`);
    }
    if (spec.hostPortStart === 0) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const port = await kernelChosenPort(hostIp, proto);
        if (await this.tryReserve(containerId, hostIp, port, proto, taken)) return port;
      }
    } else {
      for (let port = spec.hostPortStart; port <= spec.hostPortEnd; port++) {
        if (await this.tryReserve(containerId, hostIp, port, proto, taken)) return port;
      }
    }
    throw new DrydockError('conflict', 'all ports are allocated');
  }

  /** Creates the reservation file, then checks overlaps and the host; false when taken. */
  private async tryReserve(containerId: string, hostIp: string, port: number, proto: PortProto, taken: string[]): Promise<boolean> {
    const file = this.fileFor(hostIp, port, proto);
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(containerId);
      await fh.close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new DrydockError('io', `cannot reserve port ${port}: ${(err as Error).message}`, { cause: err });
    }
    let ok = false;
    try {
      const prefix = `${proto}_${port}_`;
      const others = (await readdir(this.dir)).filter((n) => n.startsWith(prefix) && join(this.dir, n) !== file);
      const overlaps = others.some((n) => isAnyAddress(hostIp) || n.slice(prefix.length) === 'any' || n.slice(prefix.length) === hostIp);
      ok = !overlaps && (proto === 'sctp' || (await hostPortFree(hostIp, port, proto)));
    } finally {
      if (ok) taken.push(file);
      else await unlink(file).catch(() => {});
    }
    return ok;
  }

  private fileFor(hostIp: string, port: number, proto: PortProto): string {
    return join(this.dir, `${proto}_${port}_${isAnyAddress(hostIp) ? 'any' : hostIp}`);
  }
}

/** `''`, `0.0.0.0` and `::` all mean "every address of the host". */
export function isAnyAddress(hostIp: string): boolean {
  return hostIp === '' || hostIp === '0.0.0.0' || hostIp === '::';
}

/**
 * Whether nothing on the host listens on the port: binds it briefly. Throws
 * `invalid-argument` when the address is not one of this host's.
 */
export function hostPortFree(hostIp: string, port: number, proto: 'tcp' | 'udp'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const address = isAnyAddress(hostIp) ? '0.0.0.0' : hostIp;
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else if (err.code === 'EADDRNOTAVAIL') {
        reject(new DrydockError('invalid-argument', `listen ${proto} ${address}:${port}: bind: cannot assign requested address`));
      } else reject(new DrydockError('io', `cannot probe ${address}:${port}/${proto}: ${err.message}`, { cause: err }));
    };
    if (proto === 'udp') {
      const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', onError);
      sock.bind({ address, port, exclusive: true }, () => sock.close(() => resolve(true)));
    } else {
      const server = createServer();
      server.once('error', onError);
      server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
    }
  });
}

/** A port the kernel considers free on the address (its ephemeral range, like Docker's allocator). */
function kernelChosenPort(hostIp: string, proto: PortProto): Promise<number> {
  return new Promise((resolve, reject) => {
    const address = isAnyAddress(hostIp) ? '0.0.0.0' : hostIp;
    const fail = (err: Error) => reject(new DrydockError('io', `cannot pick a free port on ${address}: ${err.message}`, { cause: err }));
    if (proto === 'udp') {
      const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', fail);
      sock.bind({ address, port: 0, exclusive: true }, () => {
        const port = sock.address().port;
        sock.close(() => resolve(port));
      });
    } else {
      const server = createServer();
      server.once('error', fail);
      server.listen({ host: address, port: 0, exclusive: true }, () => {
        const addr = server.address();
        const port = typeof addr === 'object' && addr ? addr.port : 0;
        server.close(() => resolve(port));
      });
    }
  });
}
