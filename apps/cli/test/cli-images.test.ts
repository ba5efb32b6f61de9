import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, expectCleanFailure } from './helpers/cli.js';

const box = cliSandbox();
afterAll(() => box.cleanup());

describe('drydock image commands (output shapes)', () => {
  let id: string;
  beforeAll(() => {
    id = box.run(['import', '-m', 'first', busyboxTar, 'bb:1']).stdout.trim();
    box.run(['tag', 'bb:1', 'localhost:5000/team/bb:2']);
  });

  it('prints the full ID on import', () => {
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it('lists with Docker columns, one row per tag', () => {
    const lines = box.run(['images']).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 3)).sort()).toEqual([
      ['bb', '1', id.slice(7, 19)],
      ['localhost:5000/team/bb', '2', id.slice(7, 19)],
    ]);
    expect(lines[1]).toMatch(/(Less than a second|\d+ seconds?) ago\s+\d+(\.\d+)?[kMG]?B$/);
  });

  it('supports -q, --no-trunc, --digests, --format and table formats', () => {
    expect(box.run(['images', '-q']).stdout).toBe(`${id.slice(7, 19)}\n${id.slice(7, 19)}\n`);
    expect(box.run(['images', '-q', '--no-trunc', 'bb']).stdout).toBe(`${id}\n`);
    expect(box.run(['images', '--digests']).stdout.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID/);
    expect(box.run(['images', '--format', '{{.Repository}}:{{.Tag}}', 'bb']).stdout).toBe('bb:1\n');
    expect(box.run(['images', '--format', 'table {{.Repository}}\t{{.Tag}}', 'bb']).stdout).toBe('REPOSITORY   TAG\nbb           1\n');
    const json = JSON.parse(box.run(['images', '--format', '{{json .}}', 'bb']).stdout);
    expect(Object.keys(json)).toEqual(['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize']);
  });

  it('filters by reference, dangling, label, before and since', async () => {
    expect(box.run(['images', '--filter', 'reference=localhost:5000/*/*', '--format', '{{.Repository}}']).stdout).toBe('localhost:5000/team/bb\n');
    expect(box.run(['images', '--filter', 'dangling=true', '-q']).stdout).toBe('');
    await new Promise((r) => setTimeout(r, 1100));
    const later = box.run(['import', '-c', 'LABEL team=core', busyboxTar, 'later:1']).stdout.trim();
    expect(later).not.toBe(id);
    expect(box.run(['images', '--filter', 'since=bb:1', '--format', '{{.Repository}}']).stdout).toBe('later\n');
    expect(box.run(['images', '--filter', 'before=later:1', '--format', '{{.Repository}}', 'bb']).stdout).toBe('bb\n');
    expect(box.run(['images', '--filter', 'label=team=core', '--format', '{{.Repository}}']).stdout).toBe('later\n');
    expect(box.run(['images', '--filter', 'label=team', '-q']).stdout).toBe(`${later.slice(7, 19)}\n`);
    expect(box.run(['rmi', 'later:1']).stdout).toMatch(/^Untagged: later:1\nDeleted: sha256:/);
  });

  it('inspects as a JSON array with Docker fields, or through a template', () => {
    const [info] = JSON.parse(box.run(['image', 'inspect', 'bb:1']).stdout);
    expect(info.Id).toBe(id);
    expect(info.Comment).toBe('first');
    expect(info.RepoTags.sort()).toEqual(['bb:1', 'localhost:5000/team/bb:2']);
    expect(Object.keys(info.Config)).toContain('Entrypoint');
    expect(box.run(['inspect', '-f', '{{.Os}}/{{.Architecture}} {{len .RootFS.Layers}}', 'bb:1']).stdout).toMatch(/^linux\/\w+ 1\n$/);
  });

  it('shows history with the message as comment', () => {
    const lines = box.run(['history', 'bb:1']).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]).toMatch(new RegExp(`^${id.slice(7, 19)}\\s+.* ago\\s+\\d+(\\.\\d+)?[kMG]?B\\s+first$`));
    expect(box.run(['history', '-q', '--no-trunc', 'bb:1']).stdout).toBe(`${id}\n`);
    expect(box.run(['history', '--human=false', '--format', '{{.Size}}', 'bb:1']).stdout).toMatch(/^\d+\n$/);
  });

  it('applies --change to the imported config', () => {
    const r = box.run(['import', '-c', 'ENV A=1 B="two words"', '-c', 'CMD ["/bin/sh","-c","echo $A"]', '-c', 'EXPOSE 80/tcp 53/udp', '-c', 'WORKDIR /srv', '-c', 'USER nobody', '-c', 'ENTRYPOINT /bin/sh', '-c', 'VOLUME /data', '-c', 'STOPSIGNAL SIGINT', '-c', 'ONBUILD RUN echo hi', busyboxTar, 'changed:1']);
    expect(r.stderr).toBe('');
    const [info] = JSON.parse(box.run(['inspect', 'changed:1']).stdout);
    expect(info.Config).toMatchObject({
      Env: ['A=1', 'B=two words'],
      Cmd: ['/bin/sh', '-c', 'echo $A'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      WorkingDir: '/srv',
      User: 'nobody',
      Entrypoint: ['/bin/sh', '-c', '/bin/sh'],
      Volumes: { '/data': {} },
      StopSignal: 'SIGINT',
      OnBuild: ['RUN echo hi'],
    });
  });

  it('rejects a bad --change with one line and stores nothing', () => {
    const before = box.run(['images', '-q', '--no-trunc']).stdout;
    expect(expectCleanFailure(box.run(['import', '-c', 'RUN echo no', busyboxTar, 'nochange:1']))).toBe('Error response from daemon: run is not a valid change command');
    expect(box.run(['images', '-q', '--no-trunc']).stdout).toBe(before);
  });

  it('removes by tag, refuses multi-repository IDs, forces with -f', () => {
    box.run(['tag', 'bb:1', 'bb:3']);
    expect(box.run(['rmi', 'bb:3']).stdout).toBe('Untagged: bb:3\n');
    const conflict = box.run(['rmi', id.slice(7, 19)]);
    expect(expectCleanFailure(conflict)).toBe(`Error response from daemon: conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    const forced = box.run(['rmi', '-f', id.slice(7, 15)]).stdout.split('\n');
    expect(forced.slice(0, 3).sort()).toEqual(['Deleted: ' + id, 'Untagged: bb:1', 'Untagged: localhost:5000/team/bb:2'].sort().filter((l) => forced.includes(l)));
    expect(forced).toContain(`Deleted: ${id}`);
  });

  it('fails cleanly on unknown images, bad names and bad archives', () => {
    expect(expectCleanFailure(box.run(['rmi', 'nope:1']))).toBe('Error response from daemon: No such image: nope:1');
    expect(expectCleanFailure(box.run(['inspect', 'nope']))).toBe('Error: No such object: nope');
    // Docker's client-side template errors have no prefix at all.
    expect(expectCleanFailure(box.run(['images', '--format', '{{']))).toBe('template parsing error: template: :1: unclosed action');
    expect(expectCleanFailure(box.run(['tag', 'nope', 'x']))).toBe('Error response from daemon: No such image: nope:latest');
    expect(expectCleanFailure(box.run(['history', 'nope']))).toBe('Error response from daemon: No such image: nope:latest');
    expect(expectCleanFailure(box.run(['import', busyboxTar, 'Bad:Name']))).toMatch(/invalid reference format/);
    const bad = join(box.dir, 'bad.tar');
    writeFileSync(bad, Buffer.alloc(3000, 'x'));
    expect(expectCleanFailure(box.run(['load', '-i', bad]))).toMatch(/^invalid archive/);
    expect(expectCleanFailure(box.run(['import', bad]))).toMatch(/^Error response from daemon: invalid rootfs tar/);
    expect(expectCleanFailure(box.run(['load', '-i', join(box.dir, 'missing.tar')]))).toMatch(/no such file/);
    expect(expectCleanFailure(box.run(['import', 'http://127.0.0.1:59999/rootfs.tar']))).toMatch(/ECONNREFUSED/);
  });

  it('prunes dangling images and reports reclaimed space', () => {
    box.run(['import', '-m', 'dangling', busyboxTar]);
    const r = box.run(['image', 'prune', '-f']);
    expect(r.stdout).toMatch(/^Deleted Images:\ndeleted: sha256:[a-f0-9]{64}\n(deleted: sha256:[a-f0-9]{64}\n)*\nTotal reclaimed space: /);
    expect(box.run(['image', 'prune', '-f']).stdout).toBe('Total reclaimed space: 0B\n');
  });

  it('reports disk usage in Docker\'s four rows', () => {
    const lines = box.run(['system', 'df']).stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(['Images', 'Containers', 'Local Volumes', 'Build Cache']);
  });

  it('starts fast and prints its version', () => {
    const t = Date.now();
    const r = box.run(['--version']);
    expect(r.stdout).toMatch(/^Drydock version \d+\.\d+\.\d+/);
    expect(Date.now() - t).toBeLessThan(2000); // the 200 ms target is measured by npm run bench
  });
});
