import { afterAll, describe, expect, it } from 'vitest';
import { cliSandbox, debianTar, sh } from './helpers/cli.js';

/**
 * The seed's first recipe, without Docker: a Debian minbase base image made
 * with debootstrap, `apt-get install apache2` in a container (NAT out through
 * the bridge), commit with author and message, history, and a container of
 * the new image serving a page on a published port.
 */
const box = cliSandbox();
afterAll(() => {
  box.run(['rm', '-f', 'seed-apache', 'seed-build']);
  box.cleanup();
});

describe('the seed flow: apt-get install apache2, commit, serve', () => {
  it('builds and serves an Apache image from a debootstrap base', async () => {
    expect(box.run(['import', '-m', 'Debian minbase', debianTar, 'debian:minbase']).status).toBe(0);
    const install = box.run(['run', '--name', 'seed-build', 'debian:minbase', 'bash', '-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2 >/dev/null && echo installed']);
    expect(install.stdout.trim().split('\n').at(-1)).toBe('installed');
    expect(box.run(['diff', 'seed-build']).stdout).toMatch(/^A \/usr\/sbin\/apache2$/m);

    const id = box.run(['commit', '--author', 'Seed Author <seed@example.com>', '--message', 'apache2 installed', 'seed-build', 'seed/apache:1']).stdout.trim();
    expect(id).toMatch(/^sha256:/);
    const history = box.run(['history', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}', 'seed/apache:1']).stdout.trim().split('\n');
    expect(history).toHaveLength(2);
    expect(history[0]).toMatch(new RegExp(`^${id.slice(7, 19)}\\|bash -c apt-get update .*…\\|apache2 installed$`));
    expect(history[1]).toMatch(/\|\|Debian minbase$/);
    expect(box.run(['inspect', '-f', '{{.Author}}', 'seed/apache:1']).stdout).toBe('Seed Author <seed@example.com>\n');

    box.run(['run', '-d', '--name', 'seed-apache', '-p', '127.0.0.1:18932:80', 'seed/apache:1', 'apachectl', '-D', 'FOREGROUND']);
    let page = '';
    for (let i = 0; i < 60 && !page.includes('It works'); i++) {
      page = sh('curl', ['-s', '--max-time', '2', 'http://127.0.0.1:18932/']).stdout;
      if (!page.includes('It works')) await new Promise((r) => setTimeout(r, 250));
    }
    expect(page).toContain('Apache2 Debian Default Page: It works');
  }, 300_000);
});
