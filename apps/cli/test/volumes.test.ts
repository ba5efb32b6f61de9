import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, expectCleanFailure, must, sh, spawnAsync, type Result } from './helpers/cli.js';

/**
 * Named and anonymous volumes, compared with dockerd 20.10 on the same
 * operations. Docker's volumes are shared with other suites on this dockerd:
 * every one made here carries this run's prefix (and label), and Docker's
 * prune is always filtered by that label.
 */
const box = cliSandbox();
const tag = `${process.pid}`;
const base = `drydock-vol/busybox:${tag}`;
const seeded = `drydock-vol/seeded:${tag}`;
const v = (name: string) => `dv${tag}-${name}`;
const label = `drydock-vol-test=${tag}`;
const dockerContainers: string[] = [];

/** Runs the same command line on both engines. */
function both(args: string[]): { ours: Result; docker: Result } {
  return { ours: box.run(args), docker: sh('docker', args) };
}

/** An image whose /seed has modes, owners, a symlink and a hard link, and is a VOLUME. */
const SEED = [
  'FROM BASE',
  'RUN mkdir -p /seed/sub && echo hello > /seed/a && chmod 640 /seed/a && chown 1000:1001 /seed/a && ln -s a /seed/link && ln /seed/a /seed/hard && chmod 1777 /seed/sub && echo deep > /seed/sub/b && chown 7:8 /seed && chmod 750 /seed',
  'VOLUME /seed',
].join('\n');
/** What a container sees under a path: name, mode, owner, link count, type and size of each entry (times differ per build). */
const LISTING = 'cd "$0" && find . | sort | while read f; do stat -c "%n %a %u:%g %h %F %s" "$f"; done';

beforeAll(async () => {
  expect(box.run(['import', busyboxTar, base]).status).toBe(0);
  must('docker', ['import', busyboxTar, base]);
  const ctx = mkdtempSync(join(tmpdir(), 'drydock-vol-ctx-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), SEED.replace('BASE', base));
    const [ours, docker] = await Promise.all([box.spawn(['build', '-q', '-t', seeded, ctx]), spawnAsync('docker', ['build', '-q', '-t', seeded, ctx])]);
    expect(ours.status, ours.stderr).toBe(0);
    expect(docker.status, docker.stderr).toBe(0);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}, 120_000);

afterAll(() => {
  for (const c of box.run(['ps', '-a', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean)) box.run(['rm', '-f', '-v', c]);
  sh('docker', ['rm', '-f', '-v', ...dockerContainers]);
  const ours = sh('docker', ['volume', 'ls', '-q', '--filter', `name=^dv${tag}-`]).stdout.split('\n').filter(Boolean);
  if (ours.length > 0) sh('docker', ['volume', 'rm', '-f', ...ours]);
  sh('docker', ['rmi', '-f', base, seeded]);
  box.cleanup();
});

describe('named volumes', () => {
  it('carry a file written by one container to the next', () => {
    const write = both(['run', '--rm', '--network', 'none', '-v', `${v('share')}:/data`, base, 'sh', '-c', 'echo from-first > /data/note']);
    expect(write.ours.status).toBe(0);
    expect(write.docker.status).toBe(0);
    const read = both(['run', '--rm', '--network', 'none', '-v', `${v('share')}:/data:ro`, base, 'sh', '-c', 'cat /data/note; touch /data/x 2>/dev/null || echo read-only']);
    expect(read.ours.stdout).toBe('from-first\nread-only\n');
    expect(read.ours.stdout).toBe(read.docker.stdout);
  });

  it("are filled from the image once, with the image's modes, owners and links, as Docker does", () => {
    const list = (vol: string) => both(['run', '--rm', '--network', 'none', '-v', `${vol}:/seed`, seeded, 'sh', '-c', LISTING, '/seed']);
    const first = list(v('seed'));
    expect(first.ours.stdout).toContain('./a 640 1000:1001 2 regular file 6');
    expect(first.ours.stdout).toBe(first.docker.stdout);
    // A volume that has content is not filled again; one mounted elsewhere shows what the first put in.
    both(['run', '--rm', '--network', 'none', '-v', `${v('seed')}:/seed`, seeded, 'rm', '/seed/a']);
    const again = list(v('seed'));
    expect(again.ours.stdout).not.toContain('./a ');
    expect(again.ours.stdout).toBe(again.docker.stdout);
    const nocopy = both(['run', '--rm', '--network', 'none', '-v', `${v('nocopy')}:/seed:nocopy`, seeded, 'ls', '-A', '/seed']);
    expect(nocopy.ours.stdout).toBe('');
    expect(nocopy.ours.stdout).toBe(nocopy.docker.stdout);
  });

  it("list, inspect and refuse bad names in Docker's shapes", () => {
    for (const args of [['volume', 'create', '--label', 'team=a', '--label', label, v('ls1')], ['volume', 'create', v('ls2')]]) {
      const r = both(args);
      expect(r.ours.stdout).toBe(r.docker.stdout);
    }
    const again = both(['volume', 'create', v('ls2')]);
    expect(again.ours.stdout).toBe(`${v('ls2')}\n`);
    expect(again.ours.stdout).toBe(again.docker.stdout);
    const ls = both(['volume', 'ls', '--filter', `name=^dv${tag}-ls`]);
    expect(ls.ours.stdout).toBe(`DRIVER    VOLUME NAME\nlocal     ${v('ls1')}\nlocal     ${v('ls2')}\n`);
    expect(ls.ours.stdout).toBe(ls.docker.stdout);
    // Docker joins labels in its map's (random) order: compared as sets.
    const labelSets = (text: string) => text.split('\n').map((l) => l.split(' ').map((w) => w.split(',').sort().join(',')).join(' '));
    for (const flags of [['-q', '--filter', 'label=team=a'], ['--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}}', '--filter', 'label=team']]) {
      const r = both(['volume', 'ls', ...flags, '--filter', `name=^dv${tag}-ls`]);
      expect(r.ours.stdout).not.toBe('');
      expect(labelSets(r.ours.stdout)).toEqual(labelSets(r.docker.stdout));
    }
    const inspect = both(['volume', 'inspect', v('ls1'), v('ls2')]);
    const shape = (text: string) =>
      (JSON.parse(text) as Record<string, unknown>[]).map((o) => ({ ...o, CreatedAt: typeof o.CreatedAt, Mountpoint: String(o.Mountpoint).replace(/^.*\/volumes\//, '') }));
    expect(shape(inspect.ours.stdout)).toEqual(shape(inspect.docker.stdout));
    expect(JSON.parse(inspect.ours.stdout)[0].CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const missing = both(['volume', 'inspect', v('nope')]);
    expect(missing.ours.stdout).toBe(missing.docker.stdout);
    expect(expectCleanFailure(missing.ours)).toBe(missing.docker.stderr.trim());
    for (const bad of ['a', 'x/y']) {
      const r = both(['volume', 'create', bad]);
      expect(r.ours.status).toBe(r.docker.status);
      expect(expectCleanFailure(r.ours)).toBe(r.docker.stderr.trim());
    }
  });

  it('refuse a bad name on run as Docker does (exit 125, nothing created)', () => {
    const r = both(['run', '--rm', '-v', 'x/y:/x', base, 'true']);
    expect(r.ours.status).toBe(125);
    expect(r.docker.status).toBe(125);
    const reason =
      'create x/y: "x/y" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path';
    expect(expectCleanFailure(r.ours)).toBe(`drydock: ${reason}.`);
    expect(r.docker.stderr).toContain(reason);
    expect(box.run(['ps', '-a', '-q']).stdout).toBe('');
  });

  it("cannot be removed while any container uses it, with Docker's message and exit code", () => {
    const ids = { ours: box.run(['create', '-v', `${v('busy')}:/data`, base, 'true']).stdout.trim(), docker: must('docker', ['create', '-v', `${v('busy')}:/data`, base, 'true']).trim() };
    dockerContainers.push(ids.docker);
    for (const force of [[], ['-f']]) {
      const r = both(['volume', 'rm', ...force, v('busy')]);
      expect(r.ours.status).toBe(1);
      expect(r.docker.status).toBe(1);
      expect(expectCleanFailure(r.ours)).toBe(`Error response from daemon: remove ${v('busy')}: volume is in use - [${ids.ours}]`);
      expect(r.docker.stderr.trim()).toBe(`Error response from daemon: remove ${v('busy')}: volume is in use - [${ids.docker}]`);
    }
    for (const dangling of ['true', 'false']) {
      const ls = both(['volume', 'ls', '-q', '--filter', `dangling=${dangling}`, '--filter', `name=^${v('busy')}$`]);
      expect(ls.ours.stdout).toBe(dangling === 'false' ? `${v('busy')}\n` : '');
      expect(ls.ours.stdout).toBe(ls.docker.stdout);
    }
    expect(box.run(['rm', ids.ours]).status).toBe(0);
    must('docker', ['rm', ids.docker]);
    const r = both(['volume', 'rm', v('busy'), v('gone')]);
    expect(r.ours.stdout).toBe(`${v('busy')}\n`);
    expect(r.ours.stdout).toBe(r.docker.stdout);
    expect(r.ours.status).toBe(1);
    expect(expectCleanFailure(r.ours)).toBe(r.docker.stderr.trim());
  });
});

describe('anonymous volumes', () => {
  const anonymousOf = (mountsJson: string) => (JSON.parse(mountsJson) as { Name?: string; Destination: string }[]).filter((m) => m.Destination !== '/named').map((m) => m.Name!);

  it('go with rm -v and run --rm; named volumes stay', () => {
    const args = ['-v', `${v('kept')}:/named`, '-v', '/anon', seeded, 'true'];
    const ours = box.run(['create', ...args]).stdout.trim();
    const docker = must('docker', ['create', ...args]).trim();
    dockerContainers.push(docker);
    const oursAnon = anonymousOf(box.run(['inspect', '-f', '{{json .Mounts}}', ours]).stdout);
    const dockerAnon = anonymousOf(must('docker', ['inspect', '-f', '{{json .Mounts}}', docker]));
    expect(oursAnon).toHaveLength(2); // -v /anon and the image's VOLUME /seed
    expect(dockerAnon).toHaveLength(2);
    for (const name of oursAnon) expect(name).toMatch(/^[a-f0-9]{64}$/);
    expect(box.run(['rm', '-v', ours]).status).toBe(0);
    must('docker', ['rm', '-v', docker]);
    const left = box.run(['volume', 'ls', '-q']).stdout;
    for (const name of oursAnon) expect(left).not.toContain(name);
    expect(left).toContain(v('kept'));
    expect(sh('docker', ['volume', 'inspect', v('kept')]).status).toBe(0);

    const before = box.run(['volume', 'ls', '-q']).stdout;
    const run = both(['run', '--rm', '--network', 'none', '-v', `${v('kept2')}:/named`, '-v', '/anon', base, 'sh', '-c', 'echo x > /anon/f']);
    expect(run.ours.status).toBe(0);
    expect(box.run(['volume', 'ls', '-q']).stdout).toBe(`${before}${v('kept2')}\n`.split('\n').filter(Boolean).sort().join('\n') + '\n');
    expect(sh('docker', ['volume', 'inspect', v('kept2')]).status).toBe(0);
  });

  it("fill from the image's VOLUME as Docker does, and never show in diff or export", () => {
    const listing = both(['run', '--rm', '--network', 'none', seeded, 'sh', '-c', LISTING, '/seed']);
    expect(listing.ours.stdout).toContain('./sub/b 644 0:0 1 regular file 5');
    expect(listing.ours.stdout).toBe(listing.docker.stdout);

    const script = 'echo in-volume > /seed/new; echo in-volume > /anon/new; echo outside > /outside';
    const oursId = v('diffed');
    const ours = box.run(['run', '--name', oursId, '--network', 'none', '-v', '/anon', seeded, 'sh', '-c', script]);
    const dockerId = must('docker', ['create', '--network', 'none', '-v', '/anon', seeded, 'sh', '-c', script]).trim();
    dockerContainers.push(dockerId);
    must('docker', ['start', '-a', dockerId]);
    expect(ours.status).toBe(0);
    // Both list an upper dir in readdir order: compared as sets.
    const sorted = (text: string) => text.split('\n').sort();
    expect(sorted(box.run(['diff', oursId]).stdout)).toEqual(sorted(must('docker', ['diff', dockerId])));
    const exported = box.run(['export', '-o', join(box.dir, 'c.tar'), oursId]);
    expect(exported.status).toBe(0);
    const entries = must('tar', ['-tf', join(box.dir, 'c.tar')]).split('\n');
    expect(entries).toContain('outside');
    // The image's own /seed is in the rootfs; what the container wrote into its volumes is not.
    expect(entries).toContain('seed/a');
    expect(entries.filter((e) => e.endsWith('/new'))).toEqual([]);
  });
});

describe('inspect Mounts', () => {
  it("have Docker's shape for binds, named and anonymous volumes", () => {
    const host = mkdtempSync(join(tmpdir(), 'drydock-vol-bind-'));
    try {
      const args = ['-v', `${host}:/hb:ro`, '-v', `${host}:/hc:rw,rshared`, '-v', `${v('m1')}:/m1`, '-v', `${v('m2')}:/m2:ro,nocopy`, '-v', '/anon', base, 'true'];
      const ours = box.run(['create', ...args]).stdout.trim();
      const docker = must('docker', ['create', ...args]).trim();
      dockerContainers.push(docker);
      // Volume sources compared below the volumes directory, an anonymous volume's random name as 'anonymous'.
      const mounts = (text: string) =>
        (JSON.parse(text) as Record<string, unknown>[])
          .map((m) => (m.Type !== 'volume' ? m : { ...m, Source: String(m.Source).replace(/^.*\/volumes\//, '').replace(/^[a-f0-9]{64}\//, 'anonymous/'), Name: m.Destination === '/anon' ? 'anonymous' : m.Name }))
          .sort((a, b) => String(a.Destination).localeCompare(String(b.Destination)));
      expect(mounts(box.run(['inspect', '-f', '{{json .Mounts}}', ours]).stdout)).toEqual(mounts(must('docker', ['inspect', '-f', '{{json .Mounts}}', docker])));
      // dockerd lists Binds in its map's (random) order.
      const binds = (text: string) => (JSON.parse(text) as string[]).sort();
      expect(binds(box.run(['inspect', '-f', '{{json .HostConfig.Binds}}', ours]).stdout)).toEqual(binds(must('docker', ['inspect', '-f', '{{json .HostConfig.Binds}}', docker])));
      const volumes = both(['inspect', '-f', '{{json .Config.Volumes}}', ours]);
      expect(volumes.ours.stdout).toBe(must('docker', ['inspect', '-f', '{{json .Config.Volumes}}', docker]));
      box.run(['rm', '-v', ours]);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });
});

describe('volume prune and system df', () => {
  it('removes every unused volume, named or anonymous, and counts what it freed', () => {
    for (const name of ['p1', 'p2']) both(['volume', 'create', '--label', label, v(name)]);
    both(['run', '--rm', '--network', 'none', '-v', `${v('p1')}:/d`, base, 'sh', '-c', 'head -c 1000 /dev/zero > /d/z']);
    const df = () => /^Local Volumes (\d+) (\d+)$/m.exec(box.run(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}']).stdout)!.slice(1).map(Number);
    const [total, active] = df();
    const inUse = both(['create', '-v', `${v('p2')}:/d`, base, 'true']);
    dockerContainers.push(inUse.docker.stdout.trim());
    expect(df()).toEqual([total, active! + 1]);

    const prune = both(['volume', 'prune', '-f', '--filter', `label=${label}`]);
    // ls1 (made above with the label) is unused too; dockerd lists what it deleted in its map's order.
    const lines = (text: string) => text.split('\n').sort();
    expect(lines(prune.ours.stdout)).toEqual(lines(`Deleted Volumes:\n${v('ls1')}\n${v('p1')}\n\nTotal reclaimed space: 1kB\n`));
    expect(prune.ours.stdout.startsWith('Deleted Volumes:\n')).toBe(true);
    expect(lines(prune.ours.stdout)).toEqual(lines(prune.docker.stdout));
    expect(box.run(['volume', 'ls', '-q', '--filter', `label=${label}`]).stdout).toBe(`${v('p2')}\n`);
    const none = both(['volume', 'prune', '-f', '--filter', `label=${label}`]);
    expect(none.ours.stdout).toBe('Total reclaimed space: 0B\n');
    expect(none.ours.stdout).toBe(none.docker.stdout);
    box.run(['rm', inUse.ours.stdout.trim()]);
  });
});
