import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '@drydock/engine';
import { startAgent, type Agent } from '../src/index.js';
import { AgentState } from '../src/state.js';
import { busyboxTar, cliSandbox, repoRoot } from '../../cli/test/helpers/cli.js';
import { FilesServer, tarNames } from './helpers/files-server.js';
import bcrypt from 'bcryptjs';
import { createRegistryServer, listen } from '@drydock/registry';
import { TestHub, until } from './helpers/test-hub.js';

const cli = cliSandbox();
const root = cli.env.DRYDOCK_ROOT;
let hub: TestHub;
let agent: Agent | undefined;
let busyboxId = '';

function contextTar(dockerfile: string): Uint8Array {
  const dir = mkdtempSync(join(cli.dir, 'ctx-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  const r = spawnSync('tar', ['-C', dir, '-cf', '-', '.']);
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

// The CLI bundle supervises detached containers and runs exec terminals, as under `drydock agent`.
const cliEntry = { command: process.execPath, args: [join(repoRoot, 'apps/cli/dist/drydock.mjs')] };

function start(opts: { enrollToken?: string; token?: string; stateDir?: string; pollMs?: number } = {}): Agent {
  agent = startAgent({ hubUrl: hub.url, root, pollMs: 100, inventoryMs: 1000, cli: cliEntry, ...opts });
  return agent;
}

beforeAll(async () => {
  const r = cli.run(['import', busyboxTar, 'busybox:latest']);
  expect(r.stderr).toBe('');
  busyboxId = r.stdout.trim();
  hub = new TestHub();
  await hub.start();
});

afterEach(async () => {
  await agent?.close();
  agent = undefined;
  expect(hub.problems).toEqual([]);
});

afterAll(async () => {
  await hub.stop();
  // Containers a failed test left running would keep their mounts busy.
  const left = cli.run(['ps', '-aq']).stdout.split('\n').filter(Boolean);
  if (left.length > 0) cli.run(['rm', '-f', ...left]);
  cli.cleanup();
});

describe('agent', () => {
  it('enrolls with a one-time token, keeps the per-host token, and reports facts and inventory', async () => {
    const a = start({ enrollToken: 'enroll-1' });
    await until(() => a.ready && hub.fullInventories === 1, 'the first inventory');
    expect(a.hostId).toBe('host-1');
    const hello = hub.hellos.at(-1)!;
    expect(hello.facts.disk.path).toBe(root);
    expect(hello.facts.disk.totalBytes).toBeGreaterThan(0);
    expect(hello.facts.cpus).toBeGreaterThan(0);
    expect(hello.facts.runtime?.name).toMatch(/^(crun|runc)$/);
    expect([...hub.images.values()].find((i) => i.id === busyboxId)?.repoTags).toEqual(['busybox:latest']);
    await a.close();
    expect(hub.enrollTokens.has('enroll-1')).toBe(false);

    // The enrollment token is spent: a restart connects with the stored per-host token.
    const again = start();
    await until(() => again.ready, 'a reconnect with the stored token');
    expect(hub.hellos.length).toBe(2);
  });

  it('connects again when the hub disconnects it', async () => {
    hub.kickHellos = 2;
    const hellos = hub.hellos.length;
    const a = start({ token: hub.hostToken });
    await until(() => a.ready, 'a connection that lasts');
    expect(hub.hellos.length).toBe(hellos + 3);
  });

  it('streams a build and loses no log line when the hub dies mid-build', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready, 'connection');
    const hellos = hub.hellos.length;
    hub.beforeStore = (e) => (e.event.type === 'log' && e.event.text === 'line-5' ? 'crash' : 'store');
    const lines = Array.from({ length: 40 }, (_, i) => `line-${i + 1}`);
    hub.sendJob('build-1', {
      kind: 'image.build',
      context: { kind: 'inline', data: contextTar(`FROM busybox\nRUN for i in $(seq 1 40); do echo line-$i; sleep 0.05; done\n`) },
      tags: ['built:1'],
      noCache: true,
    });
    await until(() => hub.whenCrashed() !== undefined, 'the hub to crash at line-5');
    await hub.whenCrashed();
    hub.beforeStore = () => 'store';
    await hub.start(); // same port: the agent reconnects by itself
    await until(() => hub.finished('build-1') !== undefined, 'the build to finish');

    const events = hub.jobEvents('build-1');
    expect(hub.hellos.length).toBe(hellos + 1);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const logged = events.flatMap((e) => (e.event.type === 'log' ? [e.event.text] : []));
    expect(logged).toEqual(lines);
    const types = events.map((e) => e.event.type);
    expect(types[0]).toBe('started');
    expect(types.filter((t) => t === 'step')).toHaveLength(2);
    expect(types.slice(-2)).toEqual(['result', 'done']);
    const result = events.at(-2)!.event;
    const engine = Engine.open({ root });
    try {
      expect(result).toEqual({ type: 'result', result: { imageId: engine.resolve('built:1') } });
    } finally {
      engine.close();
    }
    // Everything acknowledged: the outbox on disk is empty.
    const state = new AgentState(join(root, 'agent'));
    try {
      await until(() => state.pending().length === 0, 'the outbox to drain');
    } finally {
      state.close();
    }
    // The built image reaches the inventory as a delta.
    await until(() => [...hub.images.values()].some((i) => i.repoTags.includes('built:1')), 'the built image in the inventory');
  });

  it('ships a CLI tag on the same root as a journal entry within two seconds', async () => {
    const a = start({ token: hub.hostToken, pollMs: 500 }); // the default poll
    await until(() => a.ready && hub.fullInventories > 0, 'connection');
    const r = cli.run(['tag', 'busybox', 'cli-tagged:7']);
    expect(r.status).toBe(0);
    const tagged = Date.now();
    await until(() => hub.journal.some((e) => e.action === 'image.tag' && e.target === 'cli-tagged:7'), 'the journal entry', 2000);
    const entry = hub.journal.find((e) => e.target === 'cli-tagged:7')!;
    expect(entry.actor).toMatch(/^os:/);
    expect(entry.digest).toBe(busyboxId);
    expect(Date.now() - tagged).toBeLessThan(2000);
    // Seqs stay contiguous across the agent's restarts (the hub's cursor decides what is sent).
    expect(hub.journal.map((e) => e.seq)).toEqual(hub.journal.map((_, i) => i + 1));
  });

  it('ships a journal backlog longer than one page', async () => {
    const engine = Engine.open({ root });
    try {
      // What a host that ran the CLI for months before enrolling has in its journal.
      for (let i = 0; i < 1200; i++) engine.journal.append({ actor: 'os:backlog', action: 'image.tag', target: `backlog:${i}` });
    } finally {
      engine.close();
    }
    const a = start({ token: hub.hostToken });
    await until(() => a.ready && hub.journal.filter((e) => e.actor === 'os:backlog').length === 1200, 'the whole backlog');
    expect(hub.journal.map((e) => e.seq)).toEqual(hub.journal.map((_, i) => i + 1));
  });

  it('reports the disk and image usage, again when it moves', async () => {
    const statuses = hub.statuses.length;
    const a = start({ token: hub.hostToken });
    await until(() => a.ready && hub.statuses.length > statuses, 'a status after the hello');
    const first = hub.statuses.at(-1)!;
    expect(first.disk.path).toBe(root);
    expect(first.disk.freeBytes).toBeLessThanOrEqual(first.disk.totalBytes);
    expect(first.images.count).toBe(hub.images.size);
    expect(first.images.bytes).toBeGreaterThan(0);
    expect(cli.run(['import', '--change', 'CMD ["true"]', busyboxTar, 'usage:1']).status).toBe(0);
    await until(() => hub.statuses.at(-1)!.images.count === first.images.count + 1, 'a status with the new image');
  });

  it('sends inventory deltas after an rm, by the CLI or by a job', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready && hub.fullInventories > 0, 'connection');
    cli.run(['tag', 'busybox', 'doomed:1']);
    await until(() => [...hub.images.values()].some((i) => i.repoTags.includes('doomed:1')), 'the new tag');
    const deltas = hub.deltas;
    expect(cli.run(['rmi', 'doomed:1']).stdout).toBe('Untagged: doomed:1\n');
    await until(() => ![...hub.images.values()].some((i) => i.repoTags.includes('doomed:1')), 'the untag delta');
    expect(hub.deltas).toBeGreaterThan(deltas);

    const builtId = [...hub.images.values()].find((i) => i.repoTags.includes('built:1'))!.id;
    hub.sendJob('rm-1', { kind: 'image.rm', ref: 'built:1' });
    await until(() => hub.finished('rm-1') !== undefined, 'the rm job');
    expect(hub.finished('rm-1')!.event.type).toBe('done');
    await until(() => !hub.images.has(builtId), 'the image removed from the inventory');
    const rm = hub.jobEvents('rm-1').find((e) => e.event.type === 'result')!.event;
    expect(rm).toMatchObject({ result: { removed: expect.arrayContaining([{ untagged: 'built:1' }, { deleted: builtId }]) } });
    expect(hub.journal.some((e) => e.action === 'image.rm' && e.actor === 'user:test@example.com')).toBe(true);
  });

  it('runs a re-sent job once and reports failures as failed events', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready, 'connection');
    hub.sendJob('tag-1', { kind: 'image.tag', source: 'busybox', target: 'once:1' });
    await until(() => hub.finished('tag-1') !== undefined, 'the tag job');
    hub.sendJob('tag-1', { kind: 'image.tag', source: 'busybox', target: 'twice:1' });
    hub.sendJob('bad-1', { kind: 'image.tag', source: 'no-such-image', target: 'x:1' });
    hub.sendJob('exec-bad', { kind: 'container.exec', container: 'no-such-container', cmd: ['sh'] });
    await until(() => hub.finished('bad-1') !== undefined && hub.finished('exec-bad') !== undefined, 'the failing jobs');
    expect(hub.jobEvents('tag-1').map((e) => e.event.type)).toEqual(['started', 'result', 'done']);
    expect(hub.finished('bad-1')!.event).toMatchObject({ type: 'failed', code: 'not-found' });
    expect(hub.finished('exec-bad')!.event).toMatchObject({ type: 'failed', code: 'not-found' });
    const engine = Engine.open({ root });
    try {
      expect(engine.resolve('once:1')).toBe(busyboxId);
      expect(() => engine.resolve('twice:1')).toThrow();
    } finally {
      engine.close();
    }
  });

  it('ends a job a killed agent left running as failed, after the events it had kept', async () => {
    const stateDir = join(cli.dir, 'killed-agent');
    mkdirSync(stateDir);
    const dead = new AgentState(stateDir);
    dead.addJob('build-killed', 'image.build');
    dead.append('build-killed', { type: 'started', kind: 'image.build' });
    dead.append('build-killed', { type: 'log', step: 2, stream: 'stdout', text: 'before the kill' });
    dead.close();
    const a = start({ token: hub.hostToken, stateDir });
    await until(() => a.ready && hub.finished('build-killed') !== undefined, 'the interrupted job');
    expect(hub.jobEvents('build-killed').map((e) => [e.seq, e.event.type])).toEqual([
      [1, 'started'],
      [2, 'log'],
      [3, 'failed'],
    ]);
    expect(hub.finished('build-killed')!.event).toMatchObject({ code: 'interrupted' });
  });

  it('moves uploads and downloads over HTTP with its host token', async () => {
    const files = new FilesServer(hub.hostToken);
    await files.start();
    try {
      const a = start({ token: hub.hostToken });
      await until(() => a.ready, 'connection');
      files.files.set('/uploads/rootfs.tar', readFileSync(busyboxTar));
      hub.sendJob('import-1', { kind: 'image.import', source: { kind: 'url', url: `${files.url}/uploads/rootfs.tar` }, ref: 'uploaded:1', changes: ['CMD ["sh"]'] });
      await until(() => hub.finished('import-1') !== undefined, 'the import');
      expect(hub.finished('import-1')!.event.type).toBe('done');
      const imported = hub.jobEvents('import-1').find((e) => e.event.type === 'result')!.event;
      expect(imported).toEqual({ type: 'result', result: { imageId: expect.stringMatching(/^sha256:/) } });

      hub.sendJob('save-1', { kind: 'image.save', refs: ['uploaded:1'], sink: { kind: 'url', url: `${files.url}/downloads/save-1.tar` } });
      await until(() => hub.finished('save-1') !== undefined, 'the save');
      expect(hub.finished('save-1')!.event.type).toBe('done');
      const saved = files.files.get('/downloads/save-1.tar')!;
      expect(await tarNames(saved)).toContain('manifest.json');
      expect(hub.jobEvents('save-1').find((e) => e.event.type === 'result')!.event).toEqual({ type: 'result', result: { bytes: saved.length } });

      // A refused download is the job's failure, in one line.
      hub.sendJob('import-2', { kind: 'image.import', source: { kind: 'url', url: `${files.url}/uploads/missing.tar` } });
      await until(() => hub.finished('import-2') !== undefined, 'the failing import');
      expect(hub.finished('import-2')!.event).toMatchObject({ type: 'failed', message: `cannot fetch ${files.url}/uploads/missing.tar: HTTP 404` });
      expect(new Set(files.authSeen)).toEqual(new Set([`Bearer ${hub.hostToken}`]));
    } finally {
      await files.stop();
    }
  });

  it('runs, diffs, commits, exports, stops and removes a container', async () => {
    const files = new FilesServer(hub.hostToken);
    await files.start();
    const job = async (jobId: string, spec: Parameters<TestHub['sendJob']>[1]) => {
      hub.sendJob(jobId, spec);
      await until(() => hub.finished(jobId) !== undefined, jobId);
      const end = hub.finished(jobId)!.event;
      if (end.type !== 'done') throw new Error(`${jobId} failed: ${JSON.stringify(end)}`);
      const result = hub.jobEvents(jobId).find((e) => e.event.type === 'result')!.event;
      return result.type === 'result' ? result.result : {};
    };
    try {
      const a = start({ token: hub.hostToken });
      await until(() => a.ready, 'connection');
      const { containerId } = await job('run-1', { kind: 'container.run', image: 'busybox', name: 'agent-web', network: 'none', cmd: ['sh', '-c', 'echo hi > /hello; exec sleep 1000'] });
      await until(() => hub.containers.get(containerId!)?.status === 'running', 'the running container in the inventory');
      // The shell writes /hello just after the start: diff until it shows (each diff is a job).
      let diffs = 0;
      const diff = async () => (await job(`diff-${++diffs}`, { kind: 'container.diff', container: 'agent-web' })).changes ?? [];
      let changes = await diff();
      while (!changes.some((c) => c.path === '/hello') && diffs < 100) changes = await diff();
      expect(changes).toContainEqual({ kind: 'A', path: '/hello' });
      const { imageId } = await job('commit-1', { kind: 'container.commit', container: 'agent-web', ref: 'committed:1', message: 'from the hub' });
      await until(() => hub.images.get(imageId!)?.repoTags.includes('committed:1') === true, 'the committed image');
      await job('export-1', { kind: 'container.export', container: 'agent-web', sink: { kind: 'url', url: `${files.url}/downloads/export-1.tar` } });
      expect(await tarNames(files.files.get('/downloads/export-1.tar')!)).toContain('hello');
      await job('stop-1', { kind: 'container.stop', container: 'agent-web', timeoutSec: 1 });
      await until(() => hub.containers.get(containerId!)?.status === 'exited', 'the stopped container');
      await job('crm-1', { kind: 'container.rm', container: 'agent-web' });
      await until(() => !hub.containers.has(containerId!), 'the container removed from the inventory');
      const actions = hub.journal.filter((e) => e.actor === 'user:test@example.com').map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['container.commit', 'container.export']));
    } finally {
      await files.stop();
    }
  });

  it('gives the hub a terminal for exec, with input, resizes, the exit code and cancel', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready, 'connection');
    hub.sendJob('run-exec', { kind: 'container.run', image: 'busybox', name: 'agent-exec', network: 'none', cmd: ['sleep', '1000'] });
    await until(() => hub.finished('run-exec')?.event.type === 'done', 'the container');
    const output = () => hub.execOutput.get('exec-1')?.toString() ?? '';
    hub.sendJob('exec-1', { kind: 'container.exec', container: 'agent-exec', cmd: ['sh'], cols: 90, rows: 20 });
    await until(() => output().includes('# '), 'the shell prompt');
    hub.execInput('exec-1', 'stty size; echo answer-$((6*7))\n');
    await until(() => output().includes('answer-42'), 'the command output');
    expect(output()).toMatch(/20 90\r?\n/);
    hub.execResize('exec-1', 120, 40);
    hub.execInput('exec-1', 'stty size\n');
    await until(() => /40 120\r?\n/.test(output()), 'the new size');
    hub.execInput('exec-1', 'exit 3\n');
    await until(() => hub.finished('exec-1') !== undefined, 'the exec job');
    expect(hub.jobEvents('exec-1').map((e) => e.event)).toContainEqual({ type: 'result', result: { exitCode: 3 } });
    // A cancelled session ends as cancelled, its shell hung up.
    hub.sendJob('exec-2', { kind: 'container.exec', container: 'agent-exec', cmd: ['sh'] });
    await until(() => (hub.execOutput.get('exec-2')?.toString() ?? '').includes('# '), 'the second prompt');
    hub.cancel('exec-2');
    await until(() => hub.finished('exec-2') !== undefined, 'the cancelled exec');
    expect(hub.finished('exec-2')!.event).toMatchObject({ type: 'failed', code: 'cancelled' });
    hub.sendJob('rm-exec', { kind: 'container.rm', container: 'agent-exec', force: true });
    await until(() => hub.finished('rm-exec')?.event.type === 'done', 'the removal');
  });

  it('pushes and pulls through a registry with the credentials the hub sends', async () => {
    const regDir = mkdtempSync(join(cli.dir, 'registry-'));
    writeFileSync(join(regDir, 'htpasswd'), `ci:${bcrypt.hashSync('s3cret', 4)}\n`);
    const server = createRegistryServer({ root: join(regDir, 'data'), htpasswd: join(regDir, 'htpasswd') });
    const { host, port } = await listen(server, '127.0.0.1:0');
    const ref = `${host}:${port}/team/bb:1`;
    const credentials = { username: 'ci', password: 's3cret' };
    try {
      const a = start({ token: hub.hostToken });
      await until(() => a.ready, 'connection');
      const run = async (jobId: string, spec: Parameters<TestHub['sendJob']>[1]) => {
        hub.sendJob(jobId, spec);
        await until(() => hub.finished(jobId) !== undefined, jobId);
        return hub.jobEvents(jobId).map((e) => e.event);
      };
      await run('tag-push', { kind: 'image.tag', source: 'busybox', target: ref });
      expect((await run('push-anon', { kind: 'image.push', ref })).at(-1)).toMatchObject({ type: 'failed' });
      const pushed = await run('push-1', { kind: 'image.push', ref, registry: { credentials } });
      expect(pushed.at(-1)).toMatchObject({ type: 'done' });
      const pushResult = pushed.find((e) => e.type === 'result');
      expect(pushResult).toMatchObject({ result: { refs: [ref], digest: expect.stringMatching(/^sha256:/) } });
      expect(pushed.some((e) => e.type === 'progress')).toBe(true);

      await run('rm-pushed', { kind: 'image.rm', ref });
      const pulled = await run('pull-1', { kind: 'image.pull', ref, registry: { credentials } });
      expect(pulled.at(-1)).toMatchObject({ type: 'done' });
      expect(pulled.find((e) => e.type === 'result')).toMatchObject({ result: { imageId: busyboxId, refs: [ref] } });
      expect(pulled.some((e) => e.type === 'log' && e.text.includes('Pulling from team/bb'))).toBe(true);
      await until(() => hub.images.get(busyboxId)?.repoTags.includes(ref) === true, 'the pulled tag in the inventory');
      const audited = () => hub.journal.filter((e) => e.actor === 'user:test@example.com' && e.target?.includes('team/bb')).map((e) => e.action);
      await until(() => audited().includes('image.pull'), 'the pull in the journal');
      expect(audited()).toEqual(expect.arrayContaining(['image.tag', 'image.push', 'image.pull']));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('builds from a git repository at a branch and subdirectory, refusing paths that leave it', async () => {
    const repo = mkdtempSync(join(cli.dir, 'repo-'));
    const sh = (script: string) => {
      const r = spawnSync('sh', ['-ec', script], { cwd: repo, env: { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1' } });
      if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
    };
    sh(`git init -q -b main . && git config user.email t@e && git config user.name t
        mkdir app && printf 'FROM busybox\\nCOPY msg /msg\\nRUN cat /msg\\n' > app/Dockerfile && echo from-main > app/msg
        ln -s /etc escape && git add -A && git commit -qm one
        git checkout -q -b release && echo from-release > app/msg && git commit -qam two && git checkout -q main`);
    const a = start({ token: hub.hostToken });
    await until(() => a.ready, 'connection');
    hub.sendJob('git-1', { kind: 'image.build', context: { kind: 'git', url: `file://${repo}`, ref: 'release', subdir: 'app' }, tags: ['from-git:1'] });
    await until(() => hub.finished('git-1') !== undefined, 'the git build');
    const events = hub.jobEvents('git-1').map((e) => e.event);
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    expect(events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.text : ''))).toEqual(['from-release']);

    for (const [jobId, subdir, dockerfile] of [
      ['git-up', '../..', undefined],
      ['git-link', 'escape', undefined],
      ['git-file', 'app', '../../../etc/passwd'],
    ] as const) {
      hub.sendJob(jobId, { kind: 'image.build', context: { kind: 'git', url: `file://${repo}`, subdir }, ...(dockerfile ? { dockerfile } : {}) });
      await until(() => hub.finished(jobId) !== undefined, jobId);
      expect(hub.finished(jobId)!.event).toMatchObject({ type: 'failed', code: 'invalid-argument', message: expect.stringContaining('is outside the context') });
    }
    hub.sendJob('git-missing', { kind: 'image.build', context: { kind: 'git', url: `file://${repo}`, ref: 'no-such-branch' } });
    await until(() => hub.finished('git-missing') !== undefined, 'the missing ref');
    expect(hub.finished('git-missing')!.event).toMatchObject({ type: 'failed', code: 'invalid-argument', message: expect.stringContaining('unable to fetch the git context') });
  });

  it('streams container logs, and follows them until the hub cancels', async () => {
    const a = start({ token: hub.hostToken });
    await until(() => a.ready, 'connection');
    const script = 'echo one; echo two >&2; exec sleep 1000';
    hub.sendJob('run-logs', { kind: 'container.run', image: 'busybox', name: 'agent-logs', network: 'none', cmd: ['sh', '-c', script] });
    await until(() => hub.finished('run-logs')?.event.type === 'done', 'the container');
    const lines = (jobId: string) => hub.jobEvents(jobId).flatMap((e) => (e.event.type === 'log' ? [[e.event.stream, e.event.text]] : []));

    hub.sendJob('follow-1', { kind: 'container.logs', container: 'agent-logs', follow: true });
    await until(() => lines('follow-1').length === 2, 'the first lines');
    expect(lines('follow-1')).toEqual(expect.arrayContaining([['stdout', 'one'], ['stderr', 'two']]));
    expect(hub.finished('follow-1')).toBeUndefined(); // still following
    hub.sendJob('tail-1', { kind: 'container.logs', container: 'agent-logs', tail: 1 });
    await until(() => hub.finished('tail-1') !== undefined, 'the tail');
    expect(hub.finished('tail-1')!.event.type).toBe('done');
    expect(lines('tail-1')).toHaveLength(1);
    expect(hub.jobEvents('tail-1').find((e) => e.event.type === 'log')!.event).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    hub.cancel('follow-1');
    await until(() => hub.finished('follow-1') !== undefined, 'the cancelled follow');
    expect(hub.finished('follow-1')!.event).toMatchObject({ type: 'failed', code: 'cancelled' });
    hub.sendJob('rm-logs', { kind: 'container.rm', container: 'agent-logs', force: true });
    await until(() => hub.finished('rm-logs')?.event.type === 'done', 'the removal');
  });
});
