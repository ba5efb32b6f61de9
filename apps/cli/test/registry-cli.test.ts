import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, must, repoRoot, sh } from './helpers/cli.js';

/** `drydock registry serve` and `gc` from the CLI, with skopeo as the client. */
const box = cliSandbox();
afterAll(() => box.cleanup());

describe('drydock registry serve', () => {
  it('serves the distribution API that skopeo pushes to and pulls from, and gc keeps what is referenced', async () => {
    const root = join(box.dir, 'registry');
    const server = spawn(join(repoRoot, 'bin/drydock'), ['registry', 'serve', '--addr', '127.0.0.1:0', '--root', root], { env: box.env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        server.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /Listening on (http:\/\/\S+)/.exec(text);
          if (m) resolve(m[1]!);
        });
        server.once('exit', (code) => reject(new Error(`registry exited ${code}`)));
      });
      expect(sh('curl', ['-s', `${url}/v2/`]).stdout).toBe('{}');
      expect(box.run(['import', busyboxTar, 'reg:1']).status).toBe(0);
      const archive = join(box.dir, 'reg.tar');
      expect(box.run(['save', '-o', archive, 'reg:1']).status).toBe(0);
      const host = url.replace('http://', '');
      must('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${host}/team/reg:1`]);
      expect(JSON.parse(must('skopeo', ['list-tags', '--tls-verify=false', `docker://${host}/team/reg`])).Tags).toEqual(['1']);
      const gc = box.run(['registry', 'gc', '--root', root, '--dry-run']);
      expect(gc.stdout).toMatch(/^Would remove 0 blobs and 0 manifests in 1 repositories/);
    } finally {
      server.kill('SIGTERM');
    }
  });
});
