import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox, expectCleanFailure, must, repoRoot, sh } from './helpers/cli.js';

/**
 * Containers on the engine's own runtime (crun, overlayfs, CNI), compared
 * with Docker (dockerd from Debian's docker.io) on the same operations.
 */
const box = cliSandbox();
const image = `drydock-ct/busybox:${process.pid}`;
const dockerNames: string[] = [];
beforeAll(() => {
  expect(box.run(['import', busyboxTar, image]).status).toBe(0);
  must('docker', ['import', busyboxTar, image]);
});
afterAll(() => {
  for (const c of box.run(['ps', '-a', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean)) box.run(['rm', '-f', c]);
  sh('docker', ['rm', '-f', ...dockerNames]);
  sh('docker', ['rmi', '-f', image]);
  box.cleanup();
});

describe('run', () => {
  it.each([
    ['the process exit code', ['sh', '-c', 'exit 3'], 3],
    ['127 for a command not found', ['nosuchcommand'], 127],
    ['126 for a file that is not executable', ['/etc/passwd'], 126],
    ['0 and the output', ['echo', 'hello'], 0],
  ])('returns %s like Docker', (_what, command, code) => {
    const ours = box.run(['run', '--rm', '--network', 'none', image, ...command]);
    const docker = sh('docker', ['run', '--rm', '--network', 'none', image, ...command]);
    expect(ours.status).toBe(code);
    expect(docker.status).toBe(code);
    expect(ours.stdout).toBe(docker.stdout);
  });

  it('resolves users from the image and applies -e, -w and --hostname', () => {
    const script = 'echo "$(id -u):$(id -g) $PWD $FOO $(hostname)"';
    const args = ['--rm', '--network', 'none', '-u', 'nobody', '-e', 'FOO=bar', '-w', '/tmp', '--hostname', 'box1', image, 'sh', '-c', script];
    expect(box.run(['run', ...args]).stdout).toBe(must('docker', ['run', ...args]));
  });

  it('keeps a detached container running after the CLI exits, with logs and ps', async () => {
    const id = box.run(['run', '-d', '--name', 'ticker', image, 'sh', '-c', 'echo started; echo oops >&2; sleep 30']).stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    await new Promise((r) => setTimeout(r, 500));
    expect(box.run(['ps', '--format', '{{.Names}} {{.Status}}']).stdout).toMatch(/^ticker Up /m);
    const logs = box.run(['logs', 'ticker']);
    expect(logs.stdout).toBe('started\n');
    expect(logs.stderr).toBe('oops\n');
    const stamped = box.run(['logs', '--timestamps', '--tail', '2', 'ticker']);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z started\n$/);
    expect(stamped.stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z oops\n$/);
    expect(expectCleanFailure(box.run(['rm', 'ticker']))).toMatch(/cannot remove a running container/);
    expect(box.run(['exec', 'ticker', 'sh', '-c', 'echo in-exec $(hostname)']).stdout).toBe(`in-exec ${id.slice(0, 12)}\n`);
    expect(box.run(['pause', 'ticker']).status).toBe(0);
    expect(box.run(['ps', '--format', '{{.Status}}', '--filter', 'name=ticker']).stdout).toMatch(/\(Paused\)/);
    expect(box.run(['unpause', 'ticker']).status).toBe(0);
    const stop = box.run(['stop', '-t', '1', 'ticker']);
    expect(stop.stdout).toBe('ticker\n');
    expect(box.run(['ps', '-a', '--format', '{{.Names}} {{.Status}}']).stdout).toMatch(/^ticker Exited \(137\) /m);
    expect(box.run(['wait', 'ticker']).stdout).toBe('137\n');
    expect(box.run(['rm', 'ticker']).stdout).toBe('ticker\n');
    expect(box.run(['ps', '-a', '-q']).stdout).not.toContain(id.slice(0, 12));
  });

  it('applies --memory and --cpus as cgroup limits', () => {
    const id = box.run(['run', '-d', '--network', 'none', '--memory', '64m', '--cpus', '0.5', image, 'sleep', '30']).stdout.trim();
    try {
      expect(box.run(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}', id]).stdout).toBe(`${64 * 1024 * 1024} 500000000\n`);
      const cgroup = (controller: string, file: string) => sh('sh', ['-c', `cat /sys/fs/cgroup/${controller}/drydock/${id}/${file} 2>/dev/null || cat /sys/fs/cgroup/drydock/${id}/${file}`]).stdout.trim();
      expect(cgroup('memory', 'memory.limit_in_bytes') === String(64 * 1024 * 1024) || cgroup('memory', 'memory.max') === String(64 * 1024 * 1024)).toBe(true);
      expect(cgroup('cpu', 'cpu.cfs_quota_us') === '50000' || cgroup('cpu', 'cpu.max').startsWith('50000 ')).toBe(true);
    } finally {
      box.run(['rm', '-f', id]);
    }
  });

  it('publishes a port on the bridge network', async () => {
    box.run(['run', '-d', '--name', 'web', '-p', '127.0.0.1:18931:8080', image, 'sh', '-c', 'mkdir /www && echo served > /www/index.html && exec httpd -f -p 8080 -h /www']);
    let body = '';
    for (let i = 0; i < 50 && body === ''; i++) {
      body = sh('curl', ['-s', '--max-time', '2', 'http://127.0.0.1:18931/']).stdout;
      if (body === '') await new Promise((r) => setTimeout(r, 200));
    }
    expect(body).toBe('served\n');
    expect(box.run(['ps', '--format', '{{.Ports}}', '--filter', 'name=web']).stdout).toContain('127.0.0.1:18931->8080/tcp');
    expect(box.run(['rm', '-f', 'web']).stdout).toBe('web\n');
    expect(sh('curl', ['-s', '--max-time', '2', 'http://127.0.0.1:18931/']).status).not.toBe(0);
  });

  it('gives containers of two state roots on the one bridge different addresses', () => {
    const other = cliSandbox();
    try {
      expect(other.run(['import', busyboxTar, image]).status).toBe(0);
      const ip = (b: typeof box, name: string) => {
        expect(b.run(['run', '-d', '--name', name, image, 'sleep', '300']).status).toBe(0);
        return b.run(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]).stdout.trim();
      };
      const mine = ip(box, 'addr-a');
      const theirs = ip(other, 'addr-b');
      expect(mine).toMatch(/^172\.29\.\d+\.\d+$/);
      expect(theirs).toMatch(/^172\.29\.\d+\.\d+$/);
      expect(theirs).not.toBe(mine);
    } finally {
      box.run(['rm', '-f', 'addr-a']);
      other.run(['rm', '-f', 'addr-b']);
      other.cleanup();
    }
  });

  it('rm -f frees a running bridged container while its supervisor frees it too', async () => {
    // The supervisor releases the network when the process dies, which rm -f causes: both must end clean.
    for (let i = 0; i < 5; i++) {
      expect(box.run(['run', '-d', '--name', `race${i}`, '-p', `127.0.0.1:${18940 + i}:8080`, image, 'httpd', '-f', '-p', '8080']).status).toBe(0);
      const rm = box.run(['rm', '-f', `race${i}`]);
      expect({ stdout: rm.stdout, stderr: rm.stderr }).toEqual({ stdout: `race${i}\n`, stderr: '' });
    }
    await new Promise((r) => setTimeout(r, 500)); // the last supervisors finish releasing
    expect(readdirSync(join(box.env.DRYDOCK_ROOT, 'containers')).filter((n) => n.endsWith('.release-lock'))).toEqual([]);
    expect(box.run(['ps', '-a', '--format', '{{.Names}}']).stdout).not.toMatch(/race/);
  });

  it('fails cleanly on an unknown image, a bad port and a taken name', () => {
    // An image that is not here is pulled first, as Docker's run does; this registry is not there.
    const missing = box.run(['run', '127.0.0.1:1/nope:1']);
    expect(missing.status).toBe(125);
    expect(missing.stderr.split('\n')[0]).toBe("Unable to find image '127.0.0.1:1/nope:1' locally");
    expect(missing.stderr.trimEnd().split('\n').at(-1)).toMatch(/^drydock: Get "http:\/\/127\.0\.0\.1:1\/v2\/nope\/manifests\/1": dial tcp 127\.0\.0\.1:1: connect: connection refused\.$/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    // A full image ID names nothing to pull (Docker says the same, from its daemon).
    expect(expectCleanFailure(box.run(['run', 'f'.repeat(64)]))).toBe(`drydock: No such image: ${'f'.repeat(64)}.`);
    expect(expectCleanFailure(box.run(['run', '-p', 'x:80', image, 'true']))).toMatch(/port/i);
    box.run(['create', '--name', 'taken', image, 'true']);
    expect(expectCleanFailure(box.run(['create', '--name', 'taken', image, 'true']))).toMatch(/is already in use/);
    expect(expectCleanFailure(box.run(['logs', 'nosuchcontainer']))).toBe('Error response from daemon: No such container: nosuchcontainer');
  });

  it.each([
    ['rm'], ['logs'], ['stop'], ['start'], ['restart'], ['kill'], ['pause'], ['unpause'], ['wait'], ['diff'], ['commit'], ['export'],
    ['exec', 'true'], ['container', 'inspect'], ['inspect'],
  ])("fails on unknown containers with Docker's lines and exit code: %s", (...command: string[]) => {
    // Two names where the command takes several, so that the per-name lines and any summary line show.
    const takesMany = ['rm', 'stop', 'start', 'restart', 'kill', 'pause', 'unpause', 'wait', 'inspect'].includes(command.at(-1)!);
    const names = takesMany ? ['nosuch-a', 'nosuch-b'] : ['nosuch-a'];
    const args = command[0] === 'exec' ? ['exec', ...names, ...command.slice(1)] : [...command, ...names];
    const ours = box.run(args);
    const docker = sh('docker', args);
    expect({ status: ours.status, stderr: ours.stderr }).toEqual({ status: docker.status, stderr: docker.stderr });
    expect(docker.status).not.toBe(0);
  });

  it('removes an --rm container that cannot start, and keeps one without --rm as Created, like Docker', () => {
    for (const detach of [[], ['-d']]) {
      const r = box.run(['run', ...detach, '--rm', '--name', 'rm-unstartable', '--network', 'none', '-u', 'nosuch', image, 'true']);
      expect(r.status).toBe(125);
      expect(expectCleanFailure(r)).toMatch(/unable to find user nosuch: no matching entries in passwd file/);
      expect(box.run(['ps', '-a', '--format', '{{.Names}}']).stdout).not.toMatch(/rm-unstartable/);
    }
    expect(box.run(['run', '--name', 'kept-unstartable', '--network', 'none', '-u', 'nosuch', image, 'true']).status).toBe(125);
    expect(box.run(['ps', '-a', '--filter', 'name=kept-unstartable', '--format', '{{.Status}}']).stdout).toBe('Created\n');
  });
});

/**
 * `-t` output, byte for byte as Docker's: piped (`-t` alone), and on a terminal (`-it`, under util-linux
 * `script` with stdin at EOF: the end-of-file `script` sends becomes one NUL byte once the terminal is
 * raw, which Docker passes on once and the container's terminal echoes as `^@`).
 */
describe('terminals', () => {
  const dockerExec = `drydock-tty-${process.pid}`;
  const readOneByte = 'stty -icanon; dd bs=1 count=1 2>/dev/null | od -An -tx1; seq 1 3000';
  const bytes = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { env: box.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26, timeout: 60_000, killSignal: 'SIGKILL' });
    if (r.status !== 0) throw new Error(`${cmd} exited ${r.status ?? r.signal}: ${r.stderr.toString()}`);
    return r.stdout.toString('latin1');
  };
  const onTerminal = (command: string) => bytes('script', ['-qec', command, '/dev/null']);
  const cli = join(repoRoot, 'bin/drydock');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

  beforeAll(() => {
    expect(box.run(['run', '-d', '--name', 'tty-exec', '--network', 'none', image, 'sleep', '300']).status).toBe(0);
    dockerNames.push(dockerExec);
    must('docker', ['run', '-d', '--name', dockerExec, '--network', 'none', image, 'sleep', '300']);
  });

  it.each([
    ['a long output', ['seq', '1', '5000']],
    ['control bytes and long lines', ['sh', '-c', 'printf "a\\tb\\033[1mc\\rd\\n"; yes abcdefghijklmnopqrstuvwxyz0123456789 | head -c 300000']],
  ])('run -t and exec -t print %s as Docker does, with no stray NUL', (_what, command) => {
    const run = bytes(cli, ['run', '--rm', '-t', '--network', 'none', image, ...command]);
    expect(run).toBe(bytes('docker', ['run', '--rm', '-t', '--network', 'none', image, ...command]));
    expect(run).not.toContain('\0');
    const exec = bytes(cli, ['exec', '-t', 'tty-exec', ...command]);
    expect(exec).toBe(bytes('docker', ['exec', '-t', dockerExec, ...command]));
    expect(exec).not.toContain('^@');
  });

  it('run -it and exec -it on a terminal print what Docker prints', () => {
    const docker = onTerminal(`docker run --rm -it --network none ${image} sh -c ${q(readOneByte)}`);
    expect(docker.startsWith('^@ 00\r\n1\r\n')).toBe(true);
    expect(onTerminal(`${cli} run --rm -it --network none ${image} sh -c ${q(readOneByte)}`)).toBe(docker);
    const dockerExecOut = onTerminal(`docker exec -it ${dockerExec} sh -c ${q(readOneByte)}`);
    expect(dockerExecOut).toBe(docker);
    expect(onTerminal(`${cli} exec -it tty-exec sh -c ${q(readOneByte)}`)).toBe(dockerExecOut);
  });
});

// The same operations on both storage drivers: overlayfs, and the copy fallback for hosts without it
// (diffed against the image's layers, as Docker's naive diff driver does).
describe.each(['overlay', 'copy'])('diff, commit, export on the %s driver', (driver) => {
  const script =
    'mkdir -p /a/b/c && touch /a/b/c/f && touch /etc/newfile && rm /bin/ls && mkdir -p /root/x/y && echo hi > /root/x/y/z && rm -rf /tmp && echo changed >> /etc/passwd' +
    ' && chmod 700 /usr && touch /etc/group && ln -sfn sh /bin/cat && rm /bin/vi && mkdir /bin/vi && touch /bin/vi/x' +
    // A directory removed and made again: opaque on overlay (the copy driver lists it as Docker's vfs driver would).
    (driver === 'overlay' ? ' && rm -rf /usr/bin && mkdir /usr/bin && touch /usr/bin/fresh' : '');
  let dbox: ReturnType<typeof cliSandbox>; // made in beforeAll: a filtered run that skips this block leaves no directory
  const dockerName = `drydock-changes-${driver}-${process.pid}`;
  const target = `drydock-ct/committed-${driver}:${process.pid}`;

  beforeAll(() => {
    dbox = cliSandbox();
    dbox.env.DRYDOCK_STORAGE_DRIVER = driver;
    expect(dbox.run(['import', busyboxTar, image]).status).toBe(0);
    expect(dbox.run(['run', '--name', 'changes', '--network', 'none', image, 'sh', '-c', script]).status).toBe(0);
    dockerNames.push(dockerName);
    must('docker', ['run', '--name', dockerName, '--network', 'none', image, 'sh', '-c', script]);
  });
  afterAll(() => {
    for (const c of dbox.run(['ps', '-a', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean)) dbox.run(['rm', '-f', c]);
    sh('docker', ['rmi', '-f', target]);
    dbox.cleanup();
  });

  it('stores the container on that driver', () => {
    expect(dbox.run(['inspect', '-f', '{{.GraphDriver.Name}}', 'changes']).stdout).toBe(`${driver}\n`);
  });

  it('prints the same diff lines as Docker', () => {
    const ours = dbox.run(['diff', 'changes']).stdout;
    expect(ours).toContain('D /bin/ls');
    // Docker prints in its walk order, which varies from run to run; we sort by path.
    const lines = (s: string) => s.trimEnd().split('\n').sort();
    expect(lines(ours)).toEqual(lines(must('docker', ['diff', dockerName])));
  });

  it('shows no /etc/hosts, /dev or /proc changes for a container that changed nothing', () => {
    dbox.run(['run', '--name', 'unchanged', image, 'true']);
    expect(dbox.run(['diff', 'unchanged']).stdout).toBe('');
  });

  it('commits with author and message into an image Docker loads and runs', () => {
    const id = dbox.run(['commit', '-a', 'Ann <ann@example.com>', '-m', 'the change', '-c', 'ENV MARK=1', 'changes', target]).stdout.trim();
    expect(id).toMatch(/^sha256:/);
    const [info] = JSON.parse(dbox.run(['inspect', target]).stdout);
    expect(info.Author).toBe('Ann <ann@example.com>');
    expect(info.Comment).toBe('the change');
    expect(info.Config.Env).toContain('MARK=1');
    expect(dbox.run(['history', '--format', '{{.CreatedBy}}|{{.Comment}}', target]).stdout.split('\n')[0]).toBe(`sh -c ${script}`.slice(0, 44) + '…|the change');
    const archive = join(dbox.dir, 'committed.tar');
    expect(dbox.run(['save', '-o', archive, target]).status).toBe(0);
    must('docker', ['load', '-i', archive]);
    const check = 'ls /a/b/c; ls /bin/vi; tail -1 /etc/passwd; test -e /bin/ls || echo no-ls; test -e /tmp || echo no-tmp; readlink /bin/cat; stat -c %a /usr; echo $MARK';
    const expected = 'f\nx\nchanged\nno-ls\nno-tmp\nsh\n700\n1\n';
    expect(must('docker', ['run', '--rm', '--network', 'none', target, 'sh', '-c', check])).toBe(expected);
    expect(dbox.run(['run', '--rm', '--network', 'none', target, 'sh', '-c', check]).stdout).toBe(expected);
    // A container of the committed image starts with no changes of its own.
    dbox.run(['run', '--name', 'on-committed', '--network', 'none', target, 'true']);
    expect(dbox.run(['diff', 'on-committed']).stdout).toBe('');
  });

  it('refuses to remove an image a container uses', () => {
    expect(expectCleanFailure(dbox.run(['rmi', image]))).toMatch(/conflict: unable to remove repository reference .* \(must force\) - container [a-f0-9]{12} is using its referenced image/);
  });

  it('exports the flattened filesystem without the mounted /etc files', () => {
    const archive = join(dbox.dir, 'export.tar');
    expect(dbox.run(['export', '-o', archive, 'changes']).status).toBe(0);
    const names = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).split('\n');
    expect(names).toContain('a/b/c/f');
    expect(names).toContain('bin/busybox');
    expect(names).toContain('dev/');
    expect(names).not.toContain('bin/ls');
    expect(names).not.toContain('etc/hosts');
    expect(dbox.run(['import', archive, 'reimported:1']).status).toBe(0);
    expect(dbox.run(['run', '--rm', '--network', 'none', 'reimported:1', 'cat', '/a/b/c/f', '/root/x/y/z']).stdout).toBe('hi\n');
  });
});
