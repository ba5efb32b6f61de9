import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, must, sh } from './helpers/cli.js';
import { readTree } from './helpers/tree.js';

/**
 * The same Dockerfiles built by Docker (BuildKit, dockerd from Debian's
 * docker.io) and by Drydock; both images saved, copied to OCI layouts by
 * skopeo and unpacked by umoci; the trees and the config fields compared.
 */
const box = cliSandbox();
const base = `drydock-corpus/busybox:${process.pid}`;
const built: string[] = [];
beforeAll(() => {
  expect(box.run(['import', busyboxTar, base]).status).toBe(0);
  must('docker', ['import', busyboxTar, base]);
});
afterAll(() => {
  sh('docker', ['rmi', '-f', base, ...built]);
  box.cleanup();
});

const corpus: [string, string, Record<string, string>?][] = [
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
];

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

describe.each(corpus)('Docker and Drydock build the same image: %s', (name, text, files = {}) => {
  const tag = `drydock-corpus/${name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}:${process.pid}`;
  let ours: { tree: Record<string, unknown>; config: Record<string, any> };
  let docker: { tree: Record<string, unknown>; config: Record<string, any> };

  beforeAll(() => {
    const ctx = mkdtempSync(join(box.dir, 'ctx-'));
    writeFileSync(join(ctx, 'Dockerfile'), text.replace(/^FROM BASE( AS \w+)?$/gm, (_m, as: string | undefined) => `FROM ${base}${as ?? ''}`));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(ctx, file), content);
    if (text.includes('bundle.tar')) {
      writeFileSync(join(ctx, 'inner.txt'), 'inside the bundle\n');
      must('tar', ['-C', ctx, '-cf', join(ctx, 'bundle.tar'), 'inner.txt']);
    }
    const r = box.run(['build', '-t', tag, '--build-arg', 'WHO=drydock', ctx]);
    expect(r.status, r.stderr).toBe(0);
    built.push(tag);
    const env = { ...process.env, DOCKER_BUILDKIT: '1' };
    const d = require_('child_process').spawnSync('/usr/bin/docker', ['build', '-q', '-t', tag, '--build-arg', 'WHO=drydock', ctx], { env, encoding: 'utf8' });
    expect(d.status, d.stderr).toBe(0);

    const ourDir = mkdtempSync(join(box.dir, 'ours-'));
    expect(box.run(['save', '-o', join(ourDir, 'img.tar'), tag]).status).toBe(0);
    const dockerDir = mkdtempSync(join(box.dir, 'docker-'));
    must('docker', ['save', '-o', join(dockerDir, 'img.tar'), tag]);
    ours = { tree: readTree(unpack(ourDir, join(ourDir, 'img.tar'))), config: configOf(join(ourDir, 'img.tar')) };
    docker = { tree: readTree(unpack(dockerDir, join(dockerDir, 'img.tar'))), config: configOf(join(dockerDir, 'img.tar')) };
  }, 180_000);

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

import { createRequire } from 'node:module';
const require_ = createRequire(import.meta.url);
