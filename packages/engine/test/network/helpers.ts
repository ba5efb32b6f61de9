import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

/** Root with the CNI plugins, iproute2 and iptables: what the integration suites need. */
export const canRunNetworkTests =
  process.getuid?.() === 0 &&
  existsSync('/usr/lib/cni/bridge') &&
  spawnSync('ip', ['-V']).status === 0 &&
  spawnSync('iptables', ['-S', 'INPUT']).status === 0;

/** Fails a suite whose prerequisites are missing, rather than skipping it. */
export function requireNetworkTools(): void {
  if (!canRunNetworkTests) throw new Error('these tests need root, the CNI plugins, ip and iptables: run them through `npm test`');
}

export const hex = (n: number) => randomBytes(n).toString('hex');

export function sh(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

export function iptablesSave(table: 'nat' | 'filter'): string {
  return sh('iptables-save', ['-t', table]);
}

/** Starts a TCP server (Node) inside a named namespace that answers every connection with `{tag, from}` JSON. */
export async function serveIn(netns: string, host: string, port: number, tag: string): Promise<ChildProcess> {
  const script = `require('net').createServer((s)=>s.end(JSON.stringify({tag:${JSON.stringify(tag)},from:s.remoteAddress})+'\\n')).listen(${port},${JSON.stringify(host)},()=>console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`server in ${netns} exited ${code}: ${err}`)));
  });
  return child;
}

/** Connects from this process and returns the first line the server sends. */
export function fetchLine(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timeout connecting to ${host}:${port}`));
    }, timeoutMs);
    sock.on('data', (d) => (data += d.toString()));
    sock.on('end', () => {
      clearTimeout(timer);
      resolve(data.trim());
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * Connects from inside a namespace (a Node client run with `ip netns exec`) and returns the
 * first line. Asynchronous so a server in this very process keeps serving meanwhile.
 */
export function fetchLineIn(netns: string, host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},${JSON.stringify(host)});let d='';s.on('data',(c)=>d+=c);s.on('end',()=>{process.stdout.write(d);});s.on('error',(e)=>{console.error(e.message);process.exit(2)});setTimeout(()=>{console.error('timeout');process.exit(3)},3000).unref();`;
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`client in ${netns}: ${err.trim()}`))));
  });
}

/** Global chains the CNI plugins create once and never delete. */
const CNI_GLOBAL_CHAINS: [string, string][] = [
  ['nat', 'CNI-HOSTPORT-DNAT'],
  ['nat', 'CNI-HOSTPORT-SETMARK'],
  ['nat', 'CNI-HOSTPORT-MASQ'],
  ['filter', 'CNI-FORWARD'],
  ['filter', 'CNI-ADMIN'],
];

export function existingCniChains(): Set<string> {
  const out = new Set<string>();
  for (const [table, chain] of CNI_GLOBAL_CHAINS) {
    if (spawnSync('iptables', ['-t', table, '-S', chain]).status === 0) out.add(`${table}/${chain}`);
  }
  return out;
}

/** Removes the plugins' global chains that did not exist before the suite (and the jumps to them). */
export function removeCniChains(before: Set<string>): void {
  for (const table of ['nat', 'filter']) {
    const ours = CNI_GLOBAL_CHAINS.filter(([t, c]) => t === table && !before.has(`${t}/${c}`)).map(([, c]) => c);
    if (ours.length === 0) continue;
    for (const line of sh('iptables', ['-t', table, '-S']).split('\n')) {
      const m = /^-A (\S+) (.*)-j (\S+)\s*$/.exec(line);
      if (m && ours.includes(m[3]!) && !ours.includes(m[1]!)) spawnSync('sh', ['-c', `iptables -t ${table} -D ${line.slice(3)}`]);
    }
    for (const c of ours) spawnSync('iptables', ['-t', table, '-F', c]);
    for (const c of ours) spawnSync('iptables', ['-t', table, '-X', c]);
  }
}
