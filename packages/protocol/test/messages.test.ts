import { describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  handshakeAuthSchema,
  helloAckSchema,
  imageQueryAnswerSchema,
  jobStartSchema,
  parseAgentMessage,
  parseHubMessage,
  type AgentToHubEvent,
  type HubToAgentEvent,
} from '../src/index.js';

const digest = `sha256:${'a'.repeat(64)}`;
const facts = {
  hostname: 'build-1',
  os: 'linux',
  distro: 'Debian GNU/Linux 12 (bookworm)',
  arch: 'x64',
  kernel: '6.1.0',
  cpus: 2,
  memoryBytes: 4_000_000_000,
  disk: { path: '/var/lib/drydock', totalBytes: 100, freeBytes: 50 },
  runtime: { name: 'crun', version: '1.8.1' },
};
const image = { id: digest, parentId: null, repoTags: ['busybox:latest'], repoDigests: [], created: '2024-01-01T00:00:00Z', size: 1234, labels: {}, intermediate: false };
const container = {
  id: 'b'.repeat(64),
  name: 'web',
  image: 'busybox',
  imageId: digest,
  command: 'sh',
  createdMs: 1,
  status: 'exited',
  exitCode: 0,
  startedAt: '',
  finishedAt: '',
  ports: [],
};
const entry = { seq: 1, timeMs: 5, actor: 'os:alice', action: 'image.tag', target: 'a:b', digest, detail: { source: 'busybox' } };

describe('agent → hub messages', () => {
  it.each<[AgentToHubEvent, unknown]>([
    ['hello', { protocolVersion: PROTOCOL_VERSION, agentVersion: '0.1.0', facts, runningJobs: [] }],
    ['hello', { protocolVersion: 1, agentVersion: '0.1.0', facts: { ...facts, runtime: null, distro: null }, runningJobs: ['j1'] }],
    ['inventory:full', { images: [image], containers: [container] }],
    ['inventory:delta', { images: { upsert: [], remove: [digest] }, containers: { upsert: [container], remove: [] } }],
    ['job:events', { events: [{ jobId: 'j1', seq: 1, timeMs: 0, event: { type: 'started', kind: 'image.build' } }] }],
    ['job:events', { events: [{ jobId: 'j1', seq: 2, timeMs: 0, event: { type: 'log', step: 1, stream: 'stdout', text: 'hi\n' } }] }],
    ['job:events', { events: [{ jobId: 'j1', seq: 3, timeMs: 0, event: { type: 'log', step: null, stream: 'stderr', text: '' } }] }],
    ['job:events', { events: [{ jobId: 'j1', seq: 8, timeMs: 0, event: { type: 'log', step: null, stream: 'stdout', text: 'x', time: '2026-01-01T00:00:00.123456789Z' } }] }],
    ['job:events', { events: [{ jobId: 'j1', seq: 4, timeMs: 0, event: { type: 'step-done', step: 2, durationMs: 10 } }] }],
    ['job:events', { events: [{ jobId: 'j1', seq: 5, timeMs: 0, event: { type: 'progress', label: 'layer', bytes: 10, total: null } }] }],
    ['job:events', { events: [{ jobId: 'j1', seq: 6, timeMs: 0, event: { type: 'result', result: { imageId: digest } } }] }],
    ['job:events', { events: [{ jobId: 'j1', seq: 7, timeMs: 0, event: { type: 'failed', code: 'not-found', message: 'no such image', step: null } }] }],
    ['journal', { entries: [entry] }],
    ['host:status', { disk: facts.disk, images: { count: 3, bytes: 1024 } }],
    ['exec:output', { jobId: 'j1', data: new Uint8Array([104, 105]) }],
  ])('accepts %s', (name, payload) => {
    expect(parseAgentMessage(name, payload)).toMatchObject({ ok: true });
  });

  it.each<[AgentToHubEvent, unknown, string]>([
    ['hello', { protocolVersion: 1, agentVersion: '0.1.0', runningJobs: [] }, 'at facts'],
    ['hello', { protocolVersion: 1, agentVersion: '0.1.0', facts: { ...facts, cpus: 0 }, runningJobs: [] }, 'at facts.cpus'],
    ['hello', { protocolVersion: 1, agentVersion: '0.1.0', facts: { ...facts, runtime: { name: 'docker', version: '' } }, runningJobs: [] }, 'at facts.runtime.name'],
    ['inventory:full', { images: [{ ...image, id: 'abc' }], containers: [] }, 'at images.0.id'],
    ['inventory:delta', { images: { upsert: [] }, containers: { upsert: [], remove: [] } }, 'at images.remove'],
    ['job:events', { events: [] }, 'at events'],
    ['job:events', { events: [{ jobId: 'j1', seq: 0, timeMs: 0, event: { type: 'started', kind: 'x' } }] }, 'at events.0.seq'],
    ['job:events', { events: [{ jobId: 'j1', seq: 1, timeMs: 0, event: { type: 'exploded' } }] }, 'at events.0.event.type'],
    ['job:events', { events: [{ jobId: 'j1', seq: 1, timeMs: 0, event: { type: 'log', step: 1, stream: 'stdin', text: '' } }] }, 'at events.0.event.stream'],
    ['journal', { entries: [{ ...entry, seq: 0 }] }, 'at entries.0.seq'],
    ['host:status', { disk: facts.disk, images: { count: -1, bytes: 0 } }, 'at images.count'],
    ['exec:output', { jobId: 'j1', data: 'text' }, 'at data'],
  ])('rejects a bad %s (%#)', (name, payload, where) => {
    const r = parseAgentMessage(name, payload);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(`invalid ${name} message ${where}`);
      expect(r.error).not.toContain('\n');
    }
  });
});

describe('hub → agent messages', () => {
  it.each<[HubToAgentEvent, unknown]>([
    ['job:start', { jobId: 'j1', actor: 'user:a@b.c', spec: { kind: 'image.build', context: { kind: 'url', url: 'http://127.0.0.1:3000/api/uploads/1' }, tags: ['app:1'] } }],
    ['job:start', { jobId: 'j1', actor: 'user:a@b.c', spec: { kind: 'image.build', context: { kind: 'inline', data: new Uint8Array(3) } } }],
    ['job:start', { jobId: 'j2', actor: 'token:ci', spec: { kind: 'image.tag', source: 'busybox', target: 'mine:1' } }],
    ['job:start', { jobId: 'j3', actor: 'token:ci', spec: { kind: 'image.save', refs: ['busybox'], sink: { kind: 'url', url: 'http://hub/dl/3' } } }],
    ['job:start', { jobId: 'j4', actor: 'token:ci', spec: { kind: 'container.exec', container: 'web', cmd: ['sh'] } }],
    ['job:start', { jobId: 'j5', actor: 'token:ci', spec: { kind: 'image.pull', ref: 'reg:5000/a:1', platform: 'linux/arm64', registry: { credentials: { username: 'u', password: 'p' } } } }],
    ['job:start', { jobId: 'j6', actor: 'token:ci', spec: { kind: 'image.push', ref: 'reg:5000/a:1', all: true, registry: { insecure: true } } }],
    ['job:start', { jobId: 'j7', actor: 'u', spec: { kind: 'image.build', context: { kind: 'git', url: 'https://git.example/app.git', ref: 'v1', subdir: 'web' } } }],
    ['job:start', { jobId: 'j8', actor: 'u', spec: { kind: 'container.logs', container: 'web', follow: true, tail: 10, since: '10m' } }],
    ['job:cancel', { jobId: 'j1' }],
    ['job:ack', { jobId: 'j1', seq: 12 }],
    ['journal:ack', { seq: 0 }],
    ['exec:input', { jobId: 'j4', data: new Uint8Array([3]) }],
    ['exec:resize', { jobId: 'j4', cols: 80, rows: 24 }],
    ['image:query', { kind: 'history', ref: 'busybox' }],
    ['image:query', { kind: 'inspect', ref: 'd50b0289e274' }],
  ])('accepts %s', (name, payload) => {
    expect(parseHubMessage(name, payload)).toMatchObject({ ok: true });
  });

  it.each<[HubToAgentEvent, unknown, string]>([
    ['job:start', { jobId: 'j1', actor: 'u', spec: { kind: 'image.fly' } }, 'at spec.kind'],
    ['job:start', { jobId: '', actor: 'u', spec: { kind: 'image.pull', ref: 'busybox' } }, 'at jobId'],
    ['job:start', { jobId: 'j1', spec: { kind: 'image.pull', ref: 'busybox' } }, 'at actor'],
    ['job:start', { jobId: 'j1', actor: 'u', spec: { kind: 'image.build', context: { kind: 'url', url: 'not a url' } } }, 'at spec.context.url'],
    ['job:start', { jobId: 'j1', actor: 'u', spec: { kind: 'image.save', refs: [], sink: { kind: 'url', url: 'http://h/x' } } }, 'at spec.refs'],
    ['job:start', { jobId: 'j1', actor: 'u', spec: { kind: 'container.exec', container: 'c', cmd: [] } }, 'at spec.cmd'],
    ['job:start', { jobId: 'j1', actor: 'u', spec: { kind: 'image.push', ref: 'a', registry: { credentials: { password: 'p' } } } }, 'at spec.registry.credentials.username'],
    ['job:start', { jobId: 'j1', actor: 'u', spec: { kind: 'image.build', context: { kind: 'git', url: '' } } }, 'at spec.context.url'],
    ['job:start', { jobId: 'j1', actor: 'u', spec: { kind: 'image.import', source: { kind: 'git', url: 'https://x/y.git' } } }, 'at spec.source.kind'],
    ['job:start', { jobId: 'j1', actor: 'u', spec: { kind: 'container.logs', container: 'web', tail: -1 } }, 'at spec.tail'],
    ['job:ack', { jobId: 'j1', seq: -1 }, 'at seq'],
    ['exec:resize', { jobId: 'j4', cols: 0, rows: 24 }, 'at cols'],
    ['image:query', { kind: 'layers', ref: 'busybox' }, 'at kind'],
    ['image:query', { kind: 'history', ref: '' }, 'at ref'],
  ])('rejects a bad %s (%#)', (name, payload, where) => {
    const r = parseHubMessage(name, payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(`invalid ${name} message ${where}`);
  });

  it('fills job defaults so the agent never guesses', () => {
    const job = jobStartSchema.parse({ jobId: 'j', actor: 'u', spec: { kind: 'image.build', context: { kind: 'inline', data: new Uint8Array() } } });
    expect(job.spec).toMatchObject({ tags: [], buildArgs: {}, noCache: false, labels: {} });
  });
});

describe('image:query answers', () => {
  it.each<[unknown, boolean]>([
    [{ ok: true, history: [{ id: '<missing>', created: '', createdBy: '/bin/sh -c #(nop) CMD ["sh"]', size: 0, comment: '', tags: [] }] }, true],
    [{ ok: true, inspect: { Id: 'sha256:0', RepoTags: [] } }, true],
    [{ ok: false, code: 'not-found', message: 'No such image: x' }, true],
    [{ ok: false, message: 'no code' }, false],
    [{ ok: true, history: [{ id: 'x', size: -1 }] }, false],
  ])('checks %j', (answer, valid) => {
    expect(imageQueryAnswerSchema.safeParse(answer).success).toBe(valid);
  });
});

describe('handshake and hello ack', () => {
  it.each([[{ token: 't' }], [{ enrollToken: 'e' }], [{ token: 't', protocolVersion: 1 }]])('accepts auth %j', (auth) => {
    expect(handshakeAuthSchema.safeParse(auth).success).toBe(true);
  });
  it.each([[{}], [{ token: '' }], [{ token: 't', enrollToken: 'e' }], [{ token: 't', extra: 1 }], [{ enrollToken: 'e', protocolVersion: 0 }]])('rejects auth %j', (auth) => {
    expect(handshakeAuthSchema.safeParse(auth).success).toBe(false);
  });
  it('carries the per-host token only on enrollment', () => {
    expect(helloAckSchema.parse({ hostId: 'h', protocolVersion: 1, journalSeq: 0 }).token).toBeUndefined();
    expect(helloAckSchema.parse({ hostId: 'h', protocolVersion: 1, journalSeq: 3, token: 'secret' }).token).toBe('secret');
  });
});
