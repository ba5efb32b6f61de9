import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, debianTar, must, sh } from './helpers/cli.js';

/**
 * Interoperability with the real peers: Docker (dockerd from Debian's
 * docker.io), skopeo and umoci. npm test starts dockerd and builds the fixtures.
 */
const box = cliSandbox();
const tag = `drydock-it/busybox:${process.pid}`;
const dockerTag = `drydock-it/from-docker:${process.pid}`;
afterAll(() => {
  sh('docker', ['rmi', '-f', tag, dockerTag, `drydock-it/debian:${process.pid}`]);
  box.cleanup();
});

describe('Docker and Drydock exchange images', () => {
  let ourId: string;
  beforeAll(() => {
    const r = box.run(['import', busyboxTar, tag]);
    expect(r.stderr).toBe('');
    ourId = r.stdout.trim();
  });

  it('docker load takes our save, keeps our image ID, and runs it', () => {
    const archive = join(box.dir, 'ours.tar');
    expect(box.run(['save', '-o', archive, tag]).status).toBe(0);
    expect(must('docker', ['load', '-i', archive])).toContain(`Loaded image: ${tag}`);
    expect(must('docker', ['image', 'inspect', '-f', '{{.Id}}', tag]).trim()).toBe(ourId);
    expect(must('docker', ['run', '--rm', '--network', 'none', tag, '/bin/sh', '-c', 'echo hello from $(basename $0)'])).toBe('hello from sh\n');
  });

  it('computes the same size as Docker for the same rootfs', () => {
    const dockerSize = Number(must('docker', ['image', 'inspect', '-f', '{{.Size}}', tag]).trim());
    const ours = JSON.parse(box.run(['image', 'inspect', tag]).stdout)[0].Size;
    expect(ours).toBe(dockerSize);
  });

  it("loads Docker's save with Docker's image ID and round-trips it back", () => {
    must('docker', ['import', '-m', 'from docker', busyboxTar, dockerTag]);
    const dockerId = must('docker', ['image', 'inspect', '-f', '{{.Id}}', dockerTag]).trim();
    const fromDocker = join(box.dir, 'docker.tar');
    must('docker', ['save', '-o', fromDocker, dockerTag]);
    expect(box.run(['load', '-i', fromDocker]).stdout).toBe(`Loaded image: ${dockerTag}\n`);
    expect(JSON.parse(box.run(['inspect', dockerTag]).stdout)[0].Id).toBe(dockerId);
    expect(box.run(['history', '--format', '{{.Comment}}', dockerTag]).stdout).toBe('from docker\n');

    const back = join(box.dir, 'back.tar');
    expect(box.run(['save', '-o', back, dockerTag]).status).toBe(0);
    must('docker', ['rmi', dockerTag]);
    must('docker', ['load', '-i', back]);
    expect(must('docker', ['image', 'inspect', '-f', '{{.Id}}', dockerTag]).trim()).toBe(dockerId);
    expect(must('docker', ['run', '--rm', '--network', 'none', dockerTag, 'cat', '/etc/passwd'])).toContain('root:x:0:0');
  });

  it("loads Docker's save from stdin", () => {
    const fromDocker = join(box.dir, 'stdin.tar');
    must('docker', ['save', '-o', fromDocker, tag]);
    const r = box.run(['load'], { input: readFileSync(fromDocker) });
    expect(r.stdout).toBe(`Loaded image: ${tag}\n`);
  });

  it.each([
    [['rmi', 'nosuch-img', 'nosuch-img:2']],
    [['tag', 'nosuch-img', 'x']],
    [['history', 'nosuch-img']],
    [['image', 'inspect', 'nosuch-img', 'registry.example.com:5000/team/nosuch:1']],
    [['inspect', 'nosuch-img']],
    [['rmi', 'abcdef012345']],
    [['volume', 'inspect', 'nosuch-vol']],
    [['volume', 'rm', 'nosuch-vol']],
  ])("fails on unknown images and volumes with Docker's lines and exit code: %j", (args) => {
    const ours = box.run(args);
    const docker = sh('docker', args);
    expect({ status: ours.status, stderr: ours.stderr }).toEqual({ status: docker.status, stderr: docker.stderr });
    expect(docker.status).not.toBe(0);
  });

  it('prints the multi-repository conflict as Docker does', () => {
    const other = `drydock-it/other:${process.pid}`;
    must('docker', ['tag', tag, other]);
    box.run(['tag', tag, other]);
    const docker = sh('docker', ['rmi', ourId.slice(7, 19)]);
    const ours = box.run(['rmi', ourId.slice(7, 19)]);
    must('docker', ['rmi', other]);
    box.run(['rmi', other]);
    expect(docker.status).not.toBe(0);
    expect(ours.status).toBe(1);
    expect(ours.stderr).toBe(docker.stderr);
  });

  it('uses the same history and images columns as Docker', () => {
    const header = (s: string) => s.split('\n')[0]!.split(/\s{2,}/);
    expect(header(box.run(['history', tag]).stdout)).toEqual(header(must('docker', ['history', tag])));
    expect(header(box.run(['images']).stdout)).toEqual(header(must('docker', ['images'])));
    const dockerRow = must('docker', ['history', '--format', '{{.CreatedBy}}|{{.Size}}|{{.Comment}}', tag]);
    expect(box.run(['history', '--format', '{{.CreatedBy}}|{{.Size}}|{{.Comment}}', tag]).stdout).toBe(dockerRow);
  });

  it('saves a Debian minbase that Docker loads and runs', () => {
    const debian = `drydock-it/debian:${process.pid}`;
    expect(box.run(['import', debianTar, debian]).status).toBe(0);
    const archive = join(box.dir, 'debian.tar');
    expect(box.run(['save', '-o', archive, debian]).status).toBe(0);
    must('docker', ['load', '-i', archive]);
    expect(must('docker', ['run', '--rm', '--network', 'none', debian, 'cat', '/etc/debian_version'])).toMatch(/^12\./);
    rmSync(archive);
  });
});

describe('skopeo and umoci read our archives', () => {
  it('skopeo inspects our docker-archive and umoci unpacks the OCI copy to the same tree', () => {
    const archive = join(box.dir, 'skopeo.tar');
    expect(box.run(['save', '-o', archive, tag]).status).toBe(0);
    const info = JSON.parse(must('skopeo', ['inspect', `docker-archive:${archive}`]));
    expect(info.Layers).toHaveLength(1);
    expect(info.Os).toBe('linux');

    const layout = join(box.dir, 'layout');
    must('skopeo', ['copy', '-q', `docker-archive:${archive}`, `oci:${layout}:it`]);
    const rootfs = join(mkdtempSync(join(box.dir, 'unpack-')), 'rootfs');
    must('umoci', ['raw', 'unpack', '--image', `${layout}:it`, rootfs]);
    expect(statSync(join(rootfs, 'bin/busybox')).size).toBe(statSync('/bin/busybox').size);
    expect(readlinkSync(join(rootfs, 'bin/sh'))).toBe('busybox');
    expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0/);
  });

  it('loads an oci-archive written by skopeo, and skopeo reads our archive as oci-archive', () => {
    const archive = join(box.dir, 'ours-oci.tar');
    expect(box.run(['save', '-o', archive, tag]).status).toBe(0);
    expect(JSON.parse(must('skopeo', ['inspect', `oci-archive:${archive}`])).Layers).toHaveLength(1);

    const ociArchive = join(box.dir, 'skopeo-oci.tar');
    must('skopeo', ['copy', '-q', `docker-archive:${archive}`, `oci-archive:${ociArchive}:${tag}`]);
    const other = cliSandbox();
    try {
      const r = other.run(['load', '-i', ociArchive]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Loaded image/);
      const ids = other.run(['images', '-q', '--no-trunc']).stdout.trim();
      expect(ids.length).toBeGreaterThan(0);
    } finally {
      other.cleanup();
    }
  });
});
