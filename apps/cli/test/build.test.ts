import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox } from './helpers/cli.js';

/** `drydock build` on the engine's own runtime: instructions, cache, stages, errors. */
const box = cliSandbox();
beforeAll(() => {
  expect(box.run(['import', busyboxTar, 'base:1']).status).toBe(0);
});
afterAll(() => box.cleanup());

/** Build progress goes to stderr like BuildKit's: the error is its last line, with no stack trace. */
function buildFailure(r: { status: number; stderr: string }): string {
  expect(r.status).not.toBe(0);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r.stderr.trimEnd().split('\n').at(-1)!;
}

function context(dockerfile: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(box.dir, 'ctx-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe('build', () => {
  const dockerfile = [
    'FROM base:1',
    'ARG GREETING=hello',
    'ENV APP=demo PATH=/usr/local/bin:/bin',
    'RUN echo "$GREETING from $APP" > /greeting',
    'WORKDIR /srv/app',
    'RUN pwd > where',
    'USER nobody',
    'EXPOSE 8080/tcp',
    'LABEL team=core',
    'CMD ["cat", "/greeting"]',
  ].join('\n');

  it('runs every instruction and writes the config', () => {
    const dir = context(dockerfile);
    const r = box.run(['build', '-t', 'built:1', '--build-arg', 'GREETING=hi', dir]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^#4 \[4\/10\] RUN echo "\$GREETING from \$APP" > \/greeting$/m);
    expect(box.run(['run', '--rm', '--network', 'none', 'built:1']).stdout).toBe('hi from demo\n');
    expect(box.run(['run', '--rm', '--network', 'none', 'built:1', 'cat', '/srv/app/where']).stdout).toBe('/srv/app\n');
    const [info] = JSON.parse(box.run(['inspect', 'built:1']).stdout);
    expect(info.Config).toMatchObject({ User: 'nobody', WorkingDir: '/srv/app', ExposedPorts: { '8080/tcp': {} }, Labels: { team: 'core' }, Cmd: ['cat', '/greeting'] });
    expect(info.Config.Env).toContain('APP=demo');
    const history = box.run(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'built:1']).stdout.split('\n');
    expect(history).toContain('RUN |1 GREETING=hi /bin/sh -c echo "$GREETING from $APP" > /greeting # buildkit');
    expect(history).toContain('ENV APP=demo PATH=/usr/local/bin:/bin');
    expect(box.run(['images', '--format', '{{.Repository}}']).stdout.split('\n')).not.toContain('<none>');
  });

  it('answers an unchanged rebuild from the cache, and --no-cache runs again', () => {
    const dir = context(dockerfile);
    box.run(['build', '-t', 'cached:1', '--build-arg', 'GREETING=hi', dir]);
    const again = box.run(['build', '-t', 'cached:1', '--build-arg', 'GREETING=hi', dir]);
    expect(again.stderr.match(/CACHED/g)).toHaveLength(9);
    const changedArg = box.run(['build', '-t', 'cached:2', '--build-arg', 'GREETING=yo', dir]);
    expect(changedArg.stderr).toMatch(/^#4 0\.\d+ *$|^#4 DONE/m);
    const noCache = box.run(['build', '--no-cache', '-q', '--build-arg', 'GREETING=hi', dir]);
    expect(noCache.stderr).not.toMatch(/CACHED/);
    expect(noCache.stdout).toMatch(/^sha256:[a-f0-9]{64}\n$/);
  });

  it('builds only the stages the target needs, from a named stage', () => {
    const dir = context(['FROM base:1 AS one', 'RUN echo one > /one', 'FROM base:1 AS unused', 'RUN exit 1', 'FROM one AS two', 'RUN cat /one > /two'].join('\n'));
    const r = box.run(['build', '-t', 'stages:1', '--target', 'two', dir]);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/exit 1/);
    expect(box.run(['run', '--rm', '--network', 'none', 'stages:1', 'cat', '/two']).stdout).toBe('one\n');
  });

  it('fails a RUN with the file, the line and the exit code, and tags nothing', () => {
    const dir = context(['FROM base:1', 'RUN true', 'RUN exit 7'].join('\n'));
    const line = buildFailure(box.run(['build', '-t', 'broken:1', dir]));
    expect(line).toBe('ERROR: failed to solve: Dockerfile:3: RUN exit 7: process "/bin/sh -c exit 7" did not complete successfully: exit code: 7');
    expect(box.run(['images', '-q', 'broken']).stdout).toBe('');
  });

  it('runs heredoc scripts and RUN --network=none', () => {
    const text = ['FROM base:1', 'RUN <<EOF', 'echo script > /script', 'echo second >> /script', 'EOF', 'RUN cat > /doc <<EOT', 'from a heredoc', 'EOT', 'RUN --network=none ls /sys/class/net > /nets'].join('\n');
    expect(box.run(['build', '-q', '-t', 'heredoc:1', context(text)]).status).toBe(0);
    expect(box.run(['run', '--rm', '--network', 'none', 'heredoc:1', 'cat', '/script', '/doc', '/nets']).stdout).toBe('script\nsecond\nfrom a heredoc\nlo\n');
  });

  it('keeps a cache mount across builds and --no-cache, and builder prune empties it', () => {
    const dir = context('FROM base:1\nRUN --mount=type=cache,target=/cache,id=counter echo run >> /cache/log && wc -l < /cache/log > /count\n');
    const count = () => box.run(['run', '--rm', '--network', 'none', 'counted:1', 'cat', '/count']).stdout.trim();
    expect(box.run(['build', '-q', '-t', 'counted:1', dir]).status).toBe(0);
    expect(count()).toBe('1');
    expect(box.run(['build', '-q', '--no-cache', '-t', 'counted:1', dir]).status).toBe(0);
    expect(count()).toBe('2');
    expect(box.run(['build', '-t', 'counted:1', dir]).stderr).toMatch(/^#2 CACHED$/m);
    expect(box.run(['builder', 'prune', '-f']).status).toBe(0);
    expect(box.run(['build', '-q', '-t', 'counted:1', dir]).status).toBe(0);
    expect(count()).toBe('1');
  });

  it('reruns a RUN whose bound context file changed, and never keeps a secret', () => {
    const dir = context('FROM base:1\nRUN --mount=type=bind,source=input.txt,target=/in --mount=type=secret,id=key cat /in /run/secrets/key > /dev/null && cp /in /out\n', { 'input.txt': 'one\n', 'key.txt': 'hunter2\n' });
    const build = () => box.run(['build', '-q', '--secret', `id=key,src=${dir}/key.txt`, '-t', 'bound:1', dir]);
    expect(build().status).toBe(0);
    writeFileSync(join(dir, 'input.txt'), 'two\n');
    expect(build().status).toBe(0);
    expect(box.run(['run', '--rm', '--network', 'none', 'bound:1', 'cat', '/out']).stdout).toBe('two\n');
    const saved = join(box.dir, 'bound.tar');
    expect(box.run(['save', '-o', saved, 'bound:1']).status).toBe(0);
    const listing = execFileSync('sh', ['-c', `mkdir -p ${saved}.d && tar -C ${saved}.d -xf ${saved} && for l in ${saved}.d/blobs/sha256/*; do tar -tf $l 2>/dev/null; done`]).toString();
    expect(listing).toMatch(/^out$/m);
    expect(listing).not.toMatch(/^run\/secrets\/key$/m);
    expect(spawnSync('grep', ['-rq', 'hunter2', `${saved}.d`]).status).toBe(1);
  });

  it('refuses a required secret that was not given, and an unknown mount type', () => {
    expect(buildFailure(box.run(['build', context('FROM base:1\nRUN --mount=type=secret,id=nope,required true\n')]))).toMatch(/Dockerfile:2: .*secret nope not found/);
    expect(buildFailure(box.run(['build', context('FROM base:1\nRUN --mount=type=ssh true\n')]))).toMatch(/Dockerfile:2: .*RUN --mount=type=ssh is not supported/);
    expect(buildFailure(box.run(['build', context('FROM base:1\nRUN --mount=type=cache true\n')]))).toMatch(/Dockerfile:2: .*target is required/);
  });

  it('gives identical digests for identical inputs with --reproducible, in two stores', () => {
    const dir = context('FROM base:1\nRUN mkdir /made && echo same > /made/file\nCOPY in.txt /made/\n', { 'in.txt': 'input\n' });
    const other = cliSandbox();
    try {
      // The same base image in both stores (an import would stamp its own time).
      const baseTar = join(box.dir, 'base.tar');
      expect(box.run(['save', '-o', baseTar, 'base:1']).status).toBe(0);
      expect(other.run(['load', '-i', baseTar]).status).toBe(0);
      const a = box.run(['build', '-q', '--reproducible', dir]).stdout.trim();
      const b = other.run(['build', '-q', '--reproducible', dir]).stdout.trim();
      expect(a).toMatch(/^sha256:/);
      expect(b).toBe(a);
      expect(JSON.parse(box.run(['inspect', a]).stdout)[0].Created).toBe('1970-01-01T00:00:00Z');
      const withEpoch = box.run(['build', '-q', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', dir]).stdout.trim();
      expect(JSON.parse(box.run(['inspect', withEpoch]).stdout)[0].Created).toBe('2023-11-14T22:13:20Z');
      expect(box.run(['build', '-q', dir]).stdout.trim()).not.toBe(a);
    } finally {
      other.cleanup();
    }
  });

  it('builds FROM --platform for this host or scratch, and refuses a base of another platform', () => {
    const host = JSON.parse(box.run(['inspect', 'base:1']).stdout)[0].Architecture as string;
    expect(box.run(['build', '-q', '-t', 'plat-host:1', context('FROM --platform=$BUILDPLATFORM base:1\nRUN true\n')]).status).toBe(0);
    expect(box.run(['build', '-q', '-t', 'plat-arm:1', context('FROM base:1 AS src\nFROM --platform=linux/arm64 scratch\nCOPY --from=src /etc/passwd /\n')]).status).toBe(0);
    expect(JSON.parse(box.run(['inspect', 'plat-arm:1']).stdout)[0].Architecture).toBe('arm64');
    const other = host === 'arm64' ? 'linux/amd64' : 'linux/arm64';
    expect(buildFailure(box.run(['build', context(`FROM --platform=${other} base:1\n`)]))).toBe(`ERROR: failed to solve: image base:1 is linux/${host}, not the requested ${other}`);
    expect(buildFailure(box.run(['build', context('FROM --platform=linux/arm64/v8/x base:1\n')]))).toMatch(/invalid platform "linux\/arm64\/v8\/x"/);
  });

  it('draws the tty progress screen with every step, CACHED rows and the export', () => {
    const dir = context('FROM base:1\nRUN echo tty-screen > /t\n');
    box.run(['build', '-q', dir]);
    const r = box.run(['build', '--progress=tty', '-t', 'tty:1', dir]);
    expect(r.status).toBe(0);
    const screen = r.stderr.split('\x1b[2K').join('').split('\n');
    expect(screen).toContainEqual(expect.stringMatching(/^\[\+\] Building \d+\.\ds \(5\/5\) FINISHED$/));
    expect(screen).toContainEqual(expect.stringMatching(/^ => CACHED \[2\/2\] RUN echo tty-screen > \/t +0\.0s$/));
    expect(screen).toContainEqual(expect.stringMatching(/^ => => naming to tty:1 +0\.0s$/));
    expect(buildFailure(box.run(['build', '--progress=fancy', dir]))).toBe('ERROR: invalid progress mode "fancy": use auto, plain or tty');
  });

  it('takes the context as a tar on stdin, and the Dockerfile from stdin', () => {
    const dir = context('FROM base:1\nCOPY hello.txt /\n', { 'hello.txt': 'from the tar\n' });
    const tarred = execFileSync('tar', ['-C', dir, '-c', '.']);
    expect(box.run(['build', '-q', '-t', 'stdin-tar:1', '-'], { input: tarred }).status).toBe(0);
    expect(box.run(['run', '--rm', '--network', 'none', 'stdin-tar:1', 'cat', '/hello.txt']).stdout).toBe('from the tar\n');
    expect(box.run(['build', '-q', '-t', 'stdin-file:1', '-f', '-', dir], { input: 'FROM base:1\nCOPY hello.txt /copied\n' }).status).toBe(0);
    expect(box.run(['run', '--rm', '--network', 'none', 'stdin-file:1', 'cat', '/copied']).stdout).toBe('from the tar\n');
  });

  it('runs ONBUILD triggers of the base image, once', () => {
    expect(box.run(['build', '-q', '-t', 'onbuild-parent:1', context('FROM base:1\nONBUILD RUN echo triggered > /onbuild\n')]).status).toBe(0);
    const r = box.run(['build', '-t', 'onbuild-child:1', context('FROM onbuild-parent:1\nRUN cat /onbuild\n')]);
    expect(r.stderr).toMatch(/^#\d+ 0\.\d+ triggered$/m);
    expect(JSON.parse(box.run(['inspect', 'onbuild-child:1']).stdout)[0].Config.OnBuild).toBeNull();
  });

  it('prunes the build cache so the next build runs every step', () => {
    const dir = context('FROM base:1\nRUN echo once > /once\n');
    box.run(['build', '-q', dir]);
    expect(box.run(['builder', 'prune', '-f']).stdout).toMatch(/^Deleted build cache objects: [1-9]\d*\nTotal reclaimed space: /);
    expect(box.run(['build', dir]).stderr).not.toMatch(/CACHED/);
  });

  it.each([
    ['an unknown instruction', 'FROM base:1\nFROBNICATE x\n', /Dockerfile:2: unknown instruction: FROBNICATE/],
    ['an unterminated heredoc', 'FROM base:1\nRUN <<EOF\necho\n', /Dockerfile:2: unterminated heredoc/],
    ['an unknown base image', 'FROM nothere:1\n', /No such image: nothere:1/],
    ['a missing target', 'FROM base:1 AS a\n', /failed to reach build target nope/],
  ])('rejects %s with one line', (_what, text, message) => {
    const dir = context(text);
    const args = text.includes('AS a') ? ['build', '--target', 'nope', dir] : ['build', dir];
    expect(buildFailure(box.run(args))).toMatch(message);
  });
});
