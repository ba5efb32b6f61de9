import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, api, startHubWithAgent, tokenFor, trpcMutation, until } from './helpers/hub.js';

type Setup = Awaited<ReturnType<typeof startHubWithAgent>>;
type Ack = { jobId: string } | { error: string; message: string };

/**
 * The containers part of the hub against a real agent running real
 * containers (crun): run, logs -f and exec over the /ui socket, diff, export
 * as a download, commit, stop and remove — each role-checked and audited.
 */
describe('containers through the hub', () => {
  let s: Setup;
  let base: string;
  let hostId: string;
  let adminAuth: string;
  let viewerAuth: string;
  let admin: ReturnType<typeof api>;
  const sockets: Socket[] = [];

  const waitJob = (id: string) =>
    until(async () => {
      const r = await admin('GET', `/api/v1/jobs/${id}`);
      return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
    }, `job ${id}`);
  const audit = async (query: string) => (await admin('GET', `/api/v1/audit?${query}`)).body as { action: string; actor: string; outcome: string; target: string | null; params: Record<string, unknown> }[];
  const container = async (name: string) => {
    const r = await trpcGet('containers.list', {});
    return (r as { name: string; status: string; exitCode: number; id: string }[]).find((c) => c.name === name);
  };
  async function trpcGet(path: string, input: unknown): Promise<unknown> {
    const res = await fetch(`${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { authorization: adminAuth } });
    const body = (await res.json()) as { result: { data: unknown } };
    return body.result.data;
  }
  const socket = async (auth: string) => {
    const sock = io(`${base}/ui`, { extraHeaders: { authorization: auth }, transports: ['websocket'], forceNew: true });
    sockets.push(sock);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('connect_error', reject);
    });
    return sock;
  };
  const open = (sock: Socket, event: string, payload: unknown) => new Promise<Ack>((resolve) => sock.emit(event, payload, resolve));

  beforeAll(async () => {
    s = await startHubWithAgent();
    base = s.server.url;
    hostId = s.agent.hostId!;
    adminAuth = `Bearer ${await tokenFor(base, ADMIN.email, ADMIN.password)}`;
    admin = api(base, adminAuth);
    const made = await trpcMutation(base, adminAuth, 'users.create', { email: 'vera@example.com', name: 'Vera', password: 'password-123', role: 'viewer' });
    expect(made.status).toBe(200);
    viewerAuth = `Bearer ${await tokenFor(base, 'vera@example.com', 'password-123')}`;
    // One container the tests share: it logs a line, changes its filesystem, then waits.
    const run = await trpcMutation(base, adminAuth, 'containers.run', {
      hostId,
      image: 'busybox:latest',
      name: 'ct-web',
      network: 'none',
      env: ['GREETING=hello-from-ct'],
      cmd: ['sh', '-c', 'echo "$GREETING"; echo data > /made.txt; mkdir /etc/newdir; echo x > /etc/newdir/f; rm /bin/true; echo ready; exec sleep 1000'],
    });
    expect(run.status).toBe(200);
    expect(await waitJob(run.body.result.data.jobId)).toMatchObject({ status: 'succeeded' });
    await until(async () => (await container('ct-web'))?.status === 'running', 'ct-web in the inventory');
  });
  afterAll(async () => {
    for (const sock of sockets) sock.disconnect();
    s?.cli.run(['rm', '-f', 'ct-web', 'ct-gone']);
    await s?.stop();
  });

  it('refuses a viewer every container action and audits each refusal', async () => {
    const asViewer = (path: string, input: unknown) => trpcMutation(base, viewerAuth, path, input);
    expect((await asViewer('containers.run', { hostId, image: 'busybox:latest' })).status).toBe(403);
    expect((await asViewer('containers.stop', { hostId, container: 'ct-web' })).status).toBe(403);
    expect((await asViewer('containers.remove', { hostId, container: 'ct-web', force: true })).status).toBe(403);
    expect((await asViewer('containers.commit', { hostId, container: 'ct-web', ref: 'nope:1' })).status).toBe(403);
    expect((await asViewer('containers.diff', { hostId, container: 'ct-web' })).status).toBe(403);
    expect((await api(base, viewerAuth)('GET', `/api/v1/hosts/${hostId}/containers/ct-web/export`)).status).toBe(403);
    const sock = await socket(viewerAuth);
    expect(await open(sock, 'logs:open', { hostId, container: 'ct-web' })).toMatchObject({ error: 'forbidden' });
    expect(await open(sock, 'exec:open', { hostId, container: 'ct-web', cmd: ['sh'] })).toMatchObject({ error: 'forbidden' });
    for (const action of ['container.run', 'container.stop', 'container.rm', 'container.commit', 'container.diff', 'container.export', 'container.logs', 'container.exec']) {
      const rows = await audit(`action=${action}&actor=vera@example.com`);
      expect(rows[0], action).toMatchObject({ outcome: 'denied' });
    }
    expect(await container('ct-web')).toMatchObject({ status: 'running' });
  });

  it('audits the run as the user who asked (the engine journal, shipped by the agent)', async () => {
    const rows = await until(async () => {
      const r = await audit('action=container.start&actor=ann@example.com');
      return r.length > 0 ? r : undefined;
    }, 'the container.start audit row');
    expect(rows[0]).toMatchObject({ actor: `token:api@${ADMIN.email}`, target: 'ct-web', outcome: 'success' });
  });

  it('follows the logs over the /ui socket until the browser closes them', async () => {
    const sock = await socket(adminAuth);
    const lines: { text: string; time?: string }[] = [];
    sock.on('job', (e: { jobId: string; event: { type: string; text: string; time?: string } }) => {
      if (e.event.type === 'log') lines.push(e.event);
    });
    const ack = await open(sock, 'logs:open', { hostId, container: 'ct-web', tail: 100 });
    if (!('jobId' in ack)) throw new Error(ack.message);
    await until(() => lines.some((l) => l.text === 'ready'), 'the log lines');
    expect(lines.map((l) => l.text)).toEqual(['hello-from-ct', 'ready']);
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await admin('GET', `/api/v1/jobs/${ack.jobId}`)).body.status).toBe('running');
    sock.emit('session:close', { jobId: ack.jobId });
    expect(await waitJob(ack.jobId)).toMatchObject({ status: 'succeeded', error: null });
    const rows = await until(async () => (await audit('action=container.logs&actor=ann@example.com')).find((r) => r.params.job === ack.jobId), 'the logs audit row');
    expect(rows).toMatchObject({ outcome: 'success', target: 'ct-web', params: { closed: true } });
  });

  it('keeps one browser’s followed logs from other browsers', async () => {
    const watcher = await socket(adminAuth);
    const seen: string[] = [];
    watcher.on('job', (e: { jobId: string }) => seen.push(e.jobId));
    const sock = await socket(adminAuth);
    const got: string[] = [];
    sock.on('job', (e: { event: { type: string; text: string } }) => e.event.type === 'log' && got.push(e.event.text));
    const ack = await open(sock, 'logs:open', { hostId, container: 'ct-web', tail: 1 });
    if (!('jobId' in ack)) throw new Error(ack.message);
    await until(() => got.includes('ready'), 'the tail line');
    expect(got).toEqual(['ready']); // --tail 1
    sock.disconnect(); // closing the tab ends the session too
    await waitJob(ack.jobId);
    expect(seen).not.toContain(ack.jobId);
  });

  it('runs a terminal in the container: keystrokes in, output out, resize, audited as container.exec', async () => {
    const sock = await socket(adminAuth);
    let output = '';
    sock.on('exec:output', (e: { data: ArrayBuffer | Uint8Array }) => (output += Buffer.from(e.data as Uint8Array).toString('utf8')));
    const ack = await open(sock, 'exec:open', { hostId, container: 'ct-web', cmd: ['sh'], cols: 100, rows: 30 });
    if (!('jobId' in ack)) throw new Error(ack.message);
    sock.emit('exec:input', { jobId: ack.jobId, data: 'echo $((6*7))-answer; stty size\n' });
    await until(() => /42-answer/.test(output) && /30 100/.test(output), 'the command output and the terminal size');
    sock.emit('exec:resize', { jobId: ack.jobId, cols: 120, rows: 40 });
    sock.emit('exec:input', { jobId: ack.jobId, data: Buffer.from('stty size; cat /made.txt\n') });
    await until(() => /40 120/.test(output) && /data/.test(output), 'the resized terminal');
    const row = (await audit('action=container.exec&actor=ann@example.com')).find((r) => r.params.job === ack.jobId);
    expect(row).toMatchObject({ outcome: 'success', target: 'ct-web', params: { cmd: ['sh'] } });
    // Another socket cannot type into this session.
    const other = await socket(adminAuth);
    other.emit('exec:input', { jobId: ack.jobId, data: 'echo intruder-$((1+1))\n' });
    sock.emit('exec:input', { jobId: ack.jobId, data: 'echo done-$((2+3))\n' });
    await until(() => /done-5/.test(output), 'the owner’s next command');
    expect(output).not.toMatch(/intruder-2/);
    sock.emit('exec:input', { jobId: ack.jobId, data: 'exit 3\n' });
    expect(await waitJob(ack.jobId)).toMatchObject({ status: 'succeeded', result: { exitCode: 3 } });
  });

  it('shows the diff as A/C/D entries and audits it', async () => {
    const r = await trpcMutation(base, adminAuth, 'containers.diff', { hostId, container: 'ct-web' });
    expect(r.status).toBe(200);
    const changes = r.body.result.data.changes as { kind: string; path: string }[];
    expect(changes).toEqual(
      expect.arrayContaining([
        { kind: 'A', path: '/made.txt' },
        { kind: 'C', path: '/etc' },
        { kind: 'A', path: '/etc/newdir' },
        { kind: 'A', path: '/etc/newdir/f' },
        { kind: 'C', path: '/bin' },
        { kind: 'D', path: '/bin/true' },
      ]),
    );
    const rows = await until(async () => (await audit('action=container.diff&actor=ann@example.com')).find((x) => x.params.job === r.body.result.data.jobId), 'the diff audit row');
    expect(rows).toMatchObject({ outcome: 'success', target: 'ct-web' });
    const missing = await trpcMutation(base, adminAuth, 'containers.diff', { hostId, container: 'no-such-ct' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/no-such-ct/);
  });

  it('refuses a diff, an export and a session on an offline host at once, with one line', async () => {
    const offline = await s.server.hub.prisma.host.create({ data: { name: 'offline-box' } });
    try {
      const line = 'host offline-box is offline';
      const diff = await trpcMutation(base, adminAuth, 'containers.diff', { hostId: offline.id, container: 'ct-web' });
      expect(diff.body.error.message).toBe(line);
      expect(await admin('GET', `/api/v1/hosts/${offline.id}/containers/ct-web/export`)).toMatchObject({ status: 503, body: { error: 'unavailable', message: line } });
      const sock = await socket(adminAuth);
      expect(await open(sock, 'logs:open', { hostId: offline.id, container: 'ct-web' })).toMatchObject({ error: 'unavailable', message: line });
      expect(await s.server.hub.prisma.job.count({ where: { hostId: offline.id } })).toBe(0);
    } finally {
      await s.server.hub.prisma.host.delete({ where: { id: offline.id } });
    }
  });

  it('exports the container as a tar download and audits it', async () => {
    const res = await fetch(`${base}/api/v1/hosts/${hostId}/containers/ct-web/export`, { headers: { authorization: adminAuth } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="ct-web.tar"');
    const dir = mkdtempSync(join(tmpdir(), 'drydock-export-'));
    try {
      const file = join(dir, 'ct-web.tar');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const list = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
      expect(list.status).toBe(0);
      const entries = list.stdout.split('\n');
      const names = entries.map((n) => n.replace(/^\.?\//, ''));
      expect(names).toEqual(expect.arrayContaining(['made.txt', 'etc/newdir/f', 'bin/sh']));
      expect(names).not.toContain('bin/true');
      const made = entries[names.indexOf('made.txt')]!;
      expect(spawnSync('tar', ['-xOf', file, made], { encoding: 'utf8' }).stdout).toBe('data\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const rows = await until(async () => {
      const r = await audit('action=container.export&actor=ann@example.com');
      return r.length > 0 ? r : undefined;
    }, 'the export audit row');
    expect(rows[0]).toMatchObject({ outcome: 'success', target: 'ct-web' });
    const missing = await admin('GET', `/api/v1/hosts/${hostId}/containers/no-such-ct/export`);
    expect(missing.status).toBe(400);
    expect((await admin('GET', `/api/v1/hosts/nope/containers/ct-web/export`)).status).toBe(404);
  });

  it('commits the container with author, message and changes, and audits it', async () => {
    const r = await trpcMutation(base, adminAuth, 'containers.commit', {
      hostId,
      container: 'ct-web',
      ref: 'ct-snap:1',
      author: 'Ann <ann@example.com>',
      message: 'from the dashboard',
      changes: ['ENV FOO=bar', 'CMD ["cat", "/made.txt"]'],
      pause: true,
    });
    expect(r.status).toBe(200);
    expect(await waitJob(r.body.result.data.jobId)).toMatchObject({ status: 'succeeded' });
    const inspect = s.cli.run(['image', 'inspect', 'ct-snap:1']);
    expect(inspect.status).toBe(0);
    const [img] = JSON.parse(inspect.stdout) as { Author: string; Comment: string; Config: { Env: string[]; Cmd: string[] } }[];
    expect(img).toMatchObject({ Author: 'Ann <ann@example.com>', Comment: 'from the dashboard', Config: { Cmd: ['cat', '/made.txt'] } });
    expect(img!.Config.Env).toContain('FOO=bar');
    const rows = await until(async () => (await audit('action=container.commit&actor=ann@example.com')).find((x) => x.target?.includes('ct-snap')), 'the commit audit row');
    expect(rows).toMatchObject({ outcome: 'success' });
  });

  it('stops and force-removes, each audited; a --rm container goes once it exits', async () => {
    const stop = await trpcMutation(base, adminAuth, 'containers.stop', { hostId, container: 'ct-web' });
    expect(await waitJob(stop.body.result.data.jobId)).toMatchObject({ status: 'succeeded' });
    await until(async () => (await container('ct-web'))?.status === 'exited', 'ct-web exited');
    const rm = await trpcMutation(base, adminAuth, 'containers.remove', { hostId, container: 'ct-web', force: true });
    expect(await waitJob(rm.body.result.data.jobId)).toMatchObject({ status: 'succeeded' });
    await until(async () => (await container('ct-web')) === undefined, 'ct-web gone from the inventory');
    for (const action of ['container.stop', 'container.rm']) {
      const rows = await until(async () => (await audit(`action=${action}&actor=ann@example.com&target=ct-web`))[0], `${action} audit row`);
      expect(rows).toMatchObject({ outcome: 'success' });
    }

    const run = await trpcMutation(base, adminAuth, 'containers.run', { hostId, image: 'busybox:latest', name: 'ct-gone', network: 'none', autoRemove: true, cmd: ['sh', '-c', 'exit 0'] });
    expect(await waitJob(run.body.result.data.jobId)).toMatchObject({ status: 'succeeded' });
    // The shim removes it once it exited (a kept one would stay listed as Exited).
    await until(() => !s.cli.run(['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n').includes('ct-gone'), 'the --rm container to go');
    await until(async () => (await container('ct-gone')) === undefined, 'ct-gone gone from the inventory');
  });

  it('refuses a bad run with one line', async () => {
    const bad = await trpcMutation(base, adminAuth, 'containers.run', { hostId, image: 'busybox:latest', env: ['NOEQUALS'] });
    expect(bad.status).toBe(400);
    const ports = await trpcMutation(base, adminAuth, 'containers.run', { hostId, image: 'busybox:latest', publish: ['eighty'] });
    expect(ports.status).toBe(400);
  });
});
