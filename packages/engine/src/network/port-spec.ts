import { isIP } from 'node:net';
import { DrydockError } from '../errors.js';

export type PortProto = 'tcp' | 'udp' | 'sctp';

/**
 * One container port to publish, as `docker run -p` describes it. `hostPortStart` 0 means
 * "any free port"; a start..end range with one container port means "the first free port of
 * the range" (Docker's dynamic range). Both ends are equal for a fixed host port.
 */
export interface PortSpec {
  /** `''` for every host address (Docker's `0.0.0.0`), else an IPv4 or IPv6 address. */
  hostIp: string;
  hostPortStart: number;
  hostPortEnd: number;
  containerPort: number;
  proto: PortProto;
}

/** A port actually published: the host port is settled. */
export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  proto: PortProto;
}

/**
 * Parses `docker run -p` values into port specs, with the Docker CLI's messages (all
 * `invalid-argument`). Forms: `80`, `8080:80`, `127.0.0.1:8080:80/udp`, `[::1]:8080:80`,
 * `:80`, `8000-8002:80-82`, `8000-8010:80` (dynamic host range), `80-82`, and the long
 * syntax `published=8080,target=80,protocol=udp`. Matches github.com/docker/go-connections
 * `nat.ParsePortSpec` as the Docker 28 CLI uses it, with one deliberate difference:
 * container port 0 is refused here (the CLI lets it through to a daemon error).
 */
export function parsePortSpecs(values: readonly string[]): PortSpec[] {
  return values.flatMap((v) => parsePortSpec(v));
}

/** Parses one `-p` value; see `parsePortSpecs`. */
export function parsePortSpec(value: string): PortSpec[] {
  const raw = value.includes('=') ? fromLongSyntax(value) : value;
  const [ipPart, hostPart, containerWithProto] = splitParts(raw);
  const [protoRaw, containerPart] = splitProtoPort(containerWithProto);
  let ip = ipPart;
  if (ip.startsWith('[')) {
    // Go's net.SplitHostPort(ip + ":"), and its message when the bracket is not closed
    if (!ip.includes(']')) throw bad(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
    if (ip.indexOf(']') !== ip.length - 1) throw bad(`invalid IP address: ${ip}`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && (isIP(ip) === 0 || ip.includes('%'))) throw bad(`invalid IP address: ${ip}`);
  if (containerPart === '') throw bad(`no port specified: ${raw}<empty>`);

  const container = parsePortRange(containerPart);
  if (!container || container[0] === 0) throw bad(`invalid containerPort: ${containerPart}`);
  let host: [number, number] = [0, 0];
  if (hostPart !== '') {
    const parsed = parsePortRange(hostPart);
    if (!parsed) throw bad(`invalid hostPort: ${hostPart}`);
    host = parsed;
  }
  const [start, end] = container;
  if (hostPart !== '' && end - start !== host[1] - host[0] && end !== start) {
    throw bad(`invalid ranges specified for container and host Ports: ${containerPart} and ${hostPart}`);
  }
  const proto = protoRaw.toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw bad(`invalid proto: ${protoRaw}`);

  const specs: PortSpec[] = [];
  for (let i = 0; i <= end - start; i++) {
    const dynamicRange = start === end && host[0] !== host[1];
    const hostPort = hostPart === '' ? 0 : host[0] + i;
    specs.push({
      hostIp: ip,
      hostPortStart: hostPort,
      hostPortEnd: dynamicRange ? host[1] : hostPort,
      containerPort: start + i,
      proto,
    });
  }
  return specs;
}

/** How `docker port` prints a published port: `80/tcp -> 0.0.0.0:8080`. */
export function formatPublishedPort(p: PublishedPort): string {
  const ip = p.hostIp === '' ? '0.0.0.0' : p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp;
  return `${p.containerPort}/${p.proto} -> ${ip}:${p.hostPort}`;
}

/** `ip:hostPort:containerPort`, where the IP may itself contain colons (IPv6). */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const container = parts[n - 1] ?? '';
  if (n === 1) return ['', '', container];
  if (n === 2) return ['', parts[0] ?? '', container];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2] ?? '', container];
}

/** `80/udp` → [`udp`, `80`]; no proto → tcp; an empty port → [``, ``]. */
function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  const port = parts[0] ?? '';
  if (raw === '' || port === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  const proto = parts[1] ?? '';
  return proto === '' ? ['tcp', port] : [proto, port];
}

/**
 * `8080` or `8000-8010` → [start, end]; null when malformed. Like Go's ParseUint(…, 10, 16):
 * decimal digits only (leading zeros allowed), at most 65535. Extra `-` parts are ignored,
 * as go-connections does.
 */
function parsePortRange(text: string): [number, number] | null {
  if (!text.includes('-')) {
    const p = parsePort(text);
    return p === null ? null : [p, p];
  }
  const parts = text.split('-');
  const start = parsePort(parts[0] ?? '');
  const end = parsePort(parts[1] ?? '');
  if (start === null || end === null || end < start) return null;
  return [start, end];
}

function parsePort(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

/** The Docker CLI's `published=8080,target=80,protocol=udp` form, as the short form. */
function fromLongSyntax(value: string): string {
  const params = new Map<string, string>([['protocol', 'tcp']]);
  for (const param of value.split(',')) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw bad(`invalid publish opts format (should be name=value but got '${param}')`);
    params.set(param.slice(0, eq), param.slice(eq + 1));
  }
  return `${params.get('published') ?? ''}:${params.get('target') ?? ''}/${params.get('protocol') ?? ''}`;
}

function bad(message: string): DrydockError {
  return new DrydockError('invalid-argument', message);
}
