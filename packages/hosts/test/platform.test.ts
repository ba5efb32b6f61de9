import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentPaths, ENGINE_PACKAGES, fingerprintOf, normalizeFingerprint, systemdUnit } from '../src/index.js';
import { checkPlatform, nodeSatisfies } from '../src/platform.js';

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n';
const UBUNTU = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n';
const FEDORA = 'NAME="Fedora Linux"\nPRETTY_NAME="Fedora Linux 40 (Server Edition)"\nID=fedora\n';

describe('what a host must be', () => {
  it.each([
    ['Linux', 'x86_64', DEBIAN, { arch: 'amd64', distro: 'Debian GNU/Linux 12 (bookworm)' }],
    ['Linux', 'aarch64', UBUNTU, { arch: 'arm64', distro: 'Ubuntu 24.04 LTS' }],
  ])('accepts %s %s', (kernel, machine, osRelease, platform) => {
    expect(checkPlatform('root@h:22', kernel, machine, osRelease)).toEqual(platform);
  });

  it.each([
    ['Darwin', 'arm64', '', 'unsupported-os', 'root@h:22 runs Darwin, not Linux: the Drydock agent needs Linux'],
    ['FreeBSD', 'amd64', '', 'unsupported-os', 'root@h:22 runs FreeBSD, not Linux: the Drydock agent needs Linux'],
    ['Linux', 'riscv64', DEBIAN, 'unsupported-arch', 'root@h:22 is riscv64: the Drydock agent runs on x86_64 and aarch64'],
    ['Linux', 'x86_64', FEDORA, 'unsupported-os', "root@h:22 runs Fedora Linux 40 (Server Edition), not a Debian-based distribution: Drydock installs the engine's packages with apt"],
  ])('refuses %s %s', (kernel, machine, osRelease, code, message) => {
    expect(() => checkPlatform('root@h:22', kernel, machine, osRelease)).toThrow(expect.objectContaining({ code, message }));
  });

  it('checks this machine for real', () => {
    const uname = (flag: string) => execFileSync('uname', [flag], { encoding: 'utf8' }).trim();
    expect(checkPlatform('here', uname('-s'), uname('-m'), readFileSync('/etc/os-release', 'utf8')).arch).toBe(process.arch === 'x64' ? 'amd64' : 'arm64');
  });

  it.each([
    ['v20.20.2', '20.11.0', true],
    ['v20.11.0', '20.11.0', true],
    ['v18.19.0', '20.11.0', false],
    ['v20.10.9', '20.11.0', false],
    ['v22.1.0', '20.11.0', true],
    ['not a version', '20.11.0', false],
  ])('Node.js %s against %s: %s', (version, minimum, ok) => {
    expect(nodeSatisfies(version, minimum)).toBe(ok);
  });
});

describe('host key fingerprints', () => {
  it("match ssh-keygen's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-fp-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const blob = Buffer.from(readFileSync(join(dir, 'k.pub'), 'utf8').split(' ')[1]!, 'base64');
      const expected = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprintOf(blob)).toBe(expected);
      expect(normalizeFingerprint(`${expected!.slice(7)}=`)).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the systemd unit', () => {
  it('passes systemd-analyze verify and runs only the launcher', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-unit-'));
    try {
      const paths = agentPaths({ prefix: join(dir, 'drydock'), unitName: 'drydock-agent-verify' });
      mkdirSync(paths.prefix);
      writeFileSync(paths.launcher, '#!/bin/sh\nexit 0\n');
      chmodSync(paths.launcher, 0o700);
      const unit = join(dir, 'drydock-agent-verify.service');
      writeFileSync(unit, systemdUnit(paths));
      // verify exits 0 even for lines it ignores, so its complaints are the result.
      const out = execFileSync('sh', ['-c', `systemd-analyze verify ${unit} 2>&1`], { encoding: 'utf8' });
      expect(out).toBe('');
      expect(systemdUnit(paths)).toContain(`ExecStart=${paths.launcher}\n`);
      expect(systemdUnit(paths)).not.toMatch(/token/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the engine packages', () => {
  it('are the list in scripts/engine-packages.txt', () => {
    const listed = readFileSync(new URL('../../../scripts/engine-packages.txt', import.meta.url), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect([...ENGINE_PACKAGES]).toEqual(listed);
  });
});
