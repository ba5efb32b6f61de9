import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, debianTar, must, sh, spawnAsync } from './helpers/cli.js';
import { readTree, type TreeEntry } from './helpers/tree.js';

/**
 * The same Dockerfiles built by Docker (BuildKit, dockerd from Debian's
 * docker.io) and by Drydock; both images saved, copied to OCI layouts by
 * skopeo and unpacked by umoci; the trees and the config fields compared.
 */
const box = cliSandbox();
const bases = { BASE: `drydock-corpus/busybox:${process.pid}`, DEBIAN: `drydock-corpus/debian:${process.pid}` };
const built: string[] = [];
beforeAll(() => {
  for (const [name, tar] of [[bases.BASE, busyboxTar], [bases.DEBIAN, debianTar]] as const) {
    expect(box.run(['import', tar, name]).status).toBe(0);
    must('docker', ['import', tar, name]);
  }
}, 120_000);
afterAll(() => {
  sh('docker', ['rmi', '-f', ...Object.values(bases), ...built]);
  box.cleanup();
});

interface Options {
  /** Extra `build` flags for both engines; `CTX` stands for the context directory. */
  flags?: string[];
  /**
   * `paths` compares types, modes and owners but not contents or sizes, for
   * builds that run apt (its logs and caches hold times).
   */
  compare?: 'content' | 'paths';
  /** Paths left out of the comparison (prefixes), with the reason next to them. */
  ignore?: string[];
  /** Prepares the context beyond `files` (a compiled binary, a tar). */
  prepare?: (ctx: string) => void;
}

const corpus: [string, string, Record<string, string>?, Options?][] = [
  [
    'config instructions',
    [
      `FROM ${'BASE'}`,
      'ARG VERSION=1.0',
      'ENV APP_HOME=/srv/app APP_VERSION=$VERSION',
      'LABEL org.opencontainers.image.version=$VERSION team=core',
      'EXPOSE 8080 53/udp',
      'VOLUME /data',
      'STOPSIGNAL SIGINT',
      'WORKDIR $APP_HOME',
      'USER nobody',
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["echo $APP_VERSION"]',
    ].join('\n'),
  ],
  [
    'files, modes, links and deletions',
    [
      'FROM BASE',
      'RUN mkdir -p /opt/tool/bin && echo "#!/bin/sh" > /opt/tool/bin/run && chmod 0750 /opt/tool/bin/run && chown 65534:65534 /opt/tool/bin/run',
      'RUN ln -s /opt/tool/bin/run /bin/tool && ln /etc/passwd /etc/passwd.hard && mkdir -m 1777 /scratch',
      'RUN rm -f /bin/ls /etc/group && rm -rf /root',
      'RUN echo changed >> /etc/passwd',
    ].join('\n'),
  ],
  [
    'a build arg and an empty RUN',
    ['FROM BASE', 'ARG WHO=world', 'RUN echo "hello $WHO" > /hello', 'RUN true', 'WORKDIR /'].join('\n'),
  ],
  [
    'COPY and ADD from the context with .dockerignore',
    [
      'FROM BASE',
      'WORKDIR /app',
      'COPY . .',
      'COPY --chown=65534:65534 --chmod=0640 config.txt /etc/app/config.txt',
      'COPY *.md docs/',
      'ADD bundle.tar /opt/bundle/',
    ].join('\n'),
    { 'config.txt': 'key=value\n', 'README.md': '# readme\n', 'NOTES.md': 'notes\n', 'secret.env': 'TOKEN=1\n', '.dockerignore': 'secret.env\n*.log\n', 'debug.log': 'noise\n' },
  ],
  [
    'a multi-stage build onto scratch',
    ['FROM BASE AS build', 'RUN mkdir -p /out && cp /bin/busybox /out/hello && echo built > /out/stamp', 'FROM scratch', 'COPY --from=build /out/hello /hello', 'COPY --from=build /out/stamp /', 'ENTRYPOINT ["/hello"]', 'CMD ["echo", "hi"]'].join('\n'),
  ],
  [
    'RUN --mount: cache, bind from the context and a stage, tmpfs, secrets',
    [
      'FROM BASE AS deps',
      'RUN mkdir -p /out && echo dep > /out/dep.txt',
      'FROM BASE',
      'RUN --mount=type=cache,target=/var/cache/app,id=corpus-$$ echo cached > /var/cache/app/c && cp /var/cache/app/c /from-cache',
      'RUN --mount=type=bind,source=config.txt,target=/mnt/config.txt cp /mnt/config.txt /copied-config',
      'RUN --mount=type=bind,from=deps,source=/out,target=/deps cp /deps/dep.txt /dep.txt',
      'RUN --mount=type=tmpfs,target=/scratch-tmp echo x > /scratch-tmp/x && ls /scratch-tmp > /tmpfs-listing',
      'RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /secret-size',
      'RUN --mount=type=secret,id=tok,target=/etc/tok,mode=0440,uid=65534 stat -c "%a %u" /etc/tok > /secret-mode',
    ].join('\n'),
    { 'config.txt': 'key=value\n', 'token.txt': 's3cr3t-value\n' },
    { flags: ['--secret', 'id=tok,src=CTX/token.txt'] },
  ],
  [
    // Docker's "create a base image" example: a static C binary on scratch.
    'a static C binary on scratch',
    ['FROM scratch', 'ADD hello /', 'CMD ["/hello"]'].join('\n'),
    { 'hello.c': '#include <stdio.h>\nint main(void) { puts("Hello from a static binary"); return 0; }\n' },
    { prepare: (ctx) => must('gcc', ['-static', '-Os', '-o', join(ctx, 'hello'), join(ctx, 'hello.c')]) },
  ],
  [
    // The seed's Apache image, as a Dockerfile: apt on a debootstrap base.
    'the Apache image',
    [
      'FROM DEBIAN',
      'RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends apache2 >/dev/null && rm -rf /var/lib/apt/lists/*',
      'RUN echo "Hello from Drydock" > /var/www/html/index.html',
      'EXPOSE 80',
      'CMD ["apachectl", "-D", "FOREGROUND"]',
    ].join('\n'),
    {},
    {
      compare: 'paths',
      // apt and dpkg write logs, caches and backups that hold times or differ run to run.
      ignore: ['var/log/', 'var/cache/', 'var/lib/dpkg/', 'var/lib/apt/', 'etc/ssl/certs/', 'etc/ld.so.cache', 'var/lib/systemd/'],
    },
  ],
];

/** The tree as the case compares it: ignored prefixes dropped, contents and sizes too for `paths`. */
function comparable(tree: Record<string, TreeEntry>, opts: Options): Record<string, unknown> {
  const kept = Object.entries(tree).filter(([path]) => !(opts.ignore ?? []).some((p) => path === p.replace(/\/$/, '') || path.startsWith(p)));
  if (opts.compare !== 'paths') return Object.fromEntries(kept);
  return Object.fromEntries(kept.map(([path, e]) => [path, { ...e, content: undefined }]));
}

function unpack(dir: string, archive: string): string {
  const layout = join(dir, 'layout');
  must('skopeo', ['copy', '-q', `docker-archive:${archive}`, `oci:${layout}:img`]);
  must('umoci', ['raw', 'unpack', '--image', `${layout}:img`, join(dir, 'rootfs')]);
  return join(dir, 'rootfs');
}

function configOf(archive: string): Record<string, unknown> {
  const info = JSON.parse(must('skopeo', ['inspect', '--config', `docker-archive:${archive}`]));
  return info;
}

describe.each(corpus)('Docker and Drydock build the same image: %s', (name, text, files = {}, opts = {}) => {
  const tag = `drydock-corpus/${name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}:${process.pid}`;
  let ours: { tree: Record<string, unknown>; config: Record<string, any> };
  let docker: { tree: Record<string, unknown>; config: Record<string, any> };

  beforeAll(async () => {
    const ctx = mkdtempSync(join(box.dir, 'ctx-'));
    const dockerfile = text.replace(/^FROM (BASE|DEBIAN)( AS \w+)?$/gm, (_m, b: keyof typeof bases, as: string | undefined) => `FROM ${bases[b]}${as ?? ''}`);
    writeFileSync(join(ctx, 'Dockerfile'), dockerfile.replaceAll('$$', String(process.pid)));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(ctx, file), content);
    if (text.includes('bundle.tar')) {
      writeFileSync(join(ctx, 'inner.txt'), 'inside the bundle\n');
      must('tar', ['-C', ctx, '-cf', join(ctx, 'bundle.tar'), 'inner.txt']);
    }
    opts.prepare?.(ctx);
    const flags = ['--build-arg', 'WHO=drydock', ...(opts.flags ?? []).map((f) => f.replaceAll('CTX', ctx))];
    const [r, d] = await Promise.all([
      box.spawn(['build', '-t', tag, ...flags, ctx]),
      spawnAsync('/usr/bin/docker', ['build', '-q', '-t', tag, ...flags, ctx], { ...process.env, DOCKER_BUILDKIT: '1' }),
    ]);
    built.push(tag);
    expect(r.status, r.stderr).toBe(0);
    expect(d.status, d.stderr).toBe(0);

    const ourDir = mkdtempSync(join(box.dir, 'ours-'));
    expect(box.run(['save', '-o', join(ourDir, 'img.tar'), tag]).status).toBe(0);
    const dockerDir = mkdtempSync(join(box.dir, 'docker-'));
    must('docker', ['save', '-o', join(dockerDir, 'img.tar'), tag]);
    const tree = (dir: string) => comparable(readTree(unpack(dir, join(dir, 'img.tar'))), opts);
    ours = { tree: tree(ourDir), config: configOf(join(ourDir, 'img.tar')) };
    docker = { tree: tree(dockerDir), config: configOf(join(dockerDir, 'img.tar')) };
  }, 300_000);

  it('has the same files: type, mode, owner, content and link targets', () => {
    const paths = (t: Record<string, unknown>) => Object.keys(t).sort();
    expect(paths(ours.tree)).toEqual(paths(docker.tree));
    expect(ours.tree).toEqual(docker.tree);
  });

  it('has the same config fields', () => {
    const fields = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'Volumes', 'StopSignal'];
    const pick = (c: Record<string, any>) => Object.fromEntries(fields.map((f) => [f, c.config?.[f] ?? null]));
    expect(pick(ours.config)).toEqual(pick(docker.config));
  });

  it('has the same history: instructions and empty-layer flags', () => {
    const steps = (c: Record<string, any>) => (c.history as { created_by?: string; empty_layer?: boolean }[]).map((h) => [h.created_by ?? '', h.empty_layer ?? false]);
    expect(steps(ours.config)).toEqual(steps(docker.config));
    expect(ours.config.rootfs.diff_ids).toHaveLength(docker.config.rootfs.diff_ids.length);
  });
});

