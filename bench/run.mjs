#!/usr/bin/env node
// npm run bench: Drydock and Docker side by side on the same work, one run.
// Prints a table of median wall times and the ratio Drydock/Docker (< 1 is faster).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar-stream';

const repo = new URL('..', import.meta.url).pathname;
const drydock = join(repo, 'bin/drydock');
const fixtures = process.env.DRYDOCK_FIXTURES ?? '/var/cache/drydock-test';
const debian = join(fixtures, 'debian-rootfs.tar');
const runs = Number(process.env.BENCH_RUNS ?? 3);
// Commands of a few hundred milliseconds are measured more often: one slow moment of the host
// moves a median of three.
const quickRuns = Math.max(runs, 11);
const work = mkdtempSync(join(tmpdir(), 'drydock-bench-'));
const env = { ...process.env, DRYDOCK_ROOT: join(work, 'root') };

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}
function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
/** Runs setup (untimed) then fn (timed) `n` times; returns the median ms. */
function measure(setup, fn, n = runs) {
  const times = [];
  for (let i = 0; i < n; i++) {
    setup();
    times.push(time(fn));
  }
  return median(times);
}
const results = [];
function record(name, ours, docker, target) {
  results.push({ name, drydock: ours, docker, ratio: docker ? ours / docker : undefined, target });
}
const dockerQuiet = (args) => spawnSync('docker', args, { stdio: 'ignore' });

// Warm the bundle and the page cache so neither side pays for the first read.
run(drydock, ['--version']);
execFileSync('cat', [debian], { stdio: ['ignore', 'ignore', 'ignore'] });

// 1. import the Debian rootfs.
record(
  `image import (Debian minbase, ${(statSync(debian).size / 1e6).toFixed(0)} MB tar)`,
  measure(() => spawnSync(drydock, ['rmi', '-f', 'bench/debian:1'], { env, stdio: 'ignore' }), () => run(drydock, ['import', debian, 'bench/debian:1'])),
  measure(() => dockerQuiet(['rmi', '-f', 'bench/debian:1']), () => run('docker', ['import', debian, 'bench/debian:1'])),
  '<= 1.0',
);

// 2. save it.
const ourTar = join(work, 'ours.tar');
const dockerTar = join(work, 'docker.tar');
record(
  'image save (Debian)',
  measure(() => rmSync(ourTar, { force: true }), () => run(drydock, ['save', '-o', ourTar, 'bench/debian:1'])),
  measure(() => rmSync(dockerTar, { force: true }), () => run('docker', ['save', '-o', dockerTar, 'bench/debian:1'])),
  '<= 1.0',
);

// 3. load it into an empty store.
record(
  'image load (Debian)',
  measure(() => spawnSync(drydock, ['rmi', '-f', 'bench/debian:1'], { env, stdio: 'ignore' }), () => run(drydock, ['load', '-i', ourTar])),
  measure(() => dockerQuiet(['rmi', '-f', 'bench/debian:1']), () => run('docker', ['load', '-i', dockerTar])),
  '<= 1.0',
);

// 4. image ls with 1,000 images: one archive of 1,000 configs over one small layer.
const many = join(work, 'many.tar');
await writeManyImages(many, 1000);
run(drydock, ['load', '-i', many]);
run('docker', ['load', '-i', many]);
record(
  'image ls (1,000 images)',
  measure(() => {}, () => run(drydock, ['images']), quickRuns),
  measure(() => {}, () => run('docker', ['images']), quickRuns),
  '< 200 ms',
);

// 5. A container's whole life: run --rm true (no network, then the bridge).
const busybox = join(fixtures, 'busybox-rootfs.tar');
run(drydock, ['import', busybox, 'bench/busybox:1']);
run('docker', ['import', busybox, 'bench/busybox:1']);
record(
  'run --rm --network none busybox true',
  measure(() => {}, () => run(drydock, ['run', '--rm', '--network', 'none', 'bench/busybox:1', 'true']), quickRuns),
  measure(() => {}, () => run('docker', ['run', '--rm', '--network', 'none', 'bench/busybox:1', 'true']), quickRuns),
  '<= 1.0',
);
record(
  'run --rm busybox true (bridge network)',
  measure(() => {}, () => run(drydock, ['run', '--rm', 'bench/busybox:1', 'true']), quickRuns),
  measure(() => {}, () => run('docker', ['run', '--rm', 'bench/busybox:1', 'true']), quickRuns),
  '<= 1.0',
);

// 6. Containers: commit of a 70 MB change, diff of 10,000 new files, export of the Debian base.
// Each side makes the same stopped container once; every run then does the same work on it.
const bothSides = (args) => { run(drydock, args); run('docker', args); };
bothSides(['run', '--name', 'bench-c70', '--network', 'none', 'bench/busybox:1', 'sh', '-c', 'head -c 73400320 /dev/urandom > /big']);
record(
  'commit of a 70 MB change',
  measure(() => spawnSync(drydock, ['rmi', '-f', 'bench/c70:1'], { env, stdio: 'ignore' }), () => run(drydock, ['commit', 'bench-c70', 'bench/c70:1'])),
  measure(() => dockerQuiet(['rmi', '-f', 'bench/c70:1']), () => run('docker', ['commit', 'bench-c70', 'bench/c70:1'])),
  '<= 1.0',
);
bothSides(['run', '--name', 'bench-10k', '--network', 'none', 'bench/busybox:1', 'sh', '-c', 'mkdir /many && cd /many && for d in $(seq 1 100); do mkdir d$d; for f in $(seq 1 100); do echo $f > d$d/f$f; done; done']);
record(
  'diff of 10,000 new files',
  measure(() => {}, () => run(drydock, ['diff', 'bench-10k'])),
  measure(() => {}, () => run('docker', ['diff', 'bench-10k'])),
  '<= 1.0',
);
run(drydock, ['import', debian, 'bench/debian:1']);
run('docker', ['import', debian, 'bench/debian:1']);
bothSides(['create', '--name', 'bench-deb', 'bench/debian:1', 'true']);
const exportTar = join(work, 'export.tar');
record(
  'export of the Debian base',
  measure(() => rmSync(exportTar, { force: true }), () => run(drydock, ['export', '-o', exportTar, 'bench-deb'])),
  measure(() => rmSync(exportTar, { force: true }), () => run('docker', ['export', '-o', exportTar, 'bench-deb'])),
  '<= 1.0',
);
for (const name of ['bench-c70', 'bench-10k', 'bench-deb']) {
  spawnSync(drydock, ['rm', '-f', name], { env, stdio: 'ignore' });
  dockerQuiet(['rm', '-f', name]);
}

// 7. Builds, Drydock against Docker's BuildKit (the 20.10 client at /usr/bin/docker drives it).
const buildkit = (args) => spawnSync('/usr/bin/docker', args, { env: { ...process.env, DOCKER_BUILDKIT: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
const ctxDir = join(work, 'ctx');
execFileSync('mkdir', ['-p', ctxDir]);
writeFileSync(join(ctxDir, 'Dockerfile'), [
  'FROM bench/busybox:1 AS build',
  'RUN mkdir -p /out && for i in $(seq 1 200); do echo "line $i" >> /out/data; done && cp /bin/busybox /out/busybox',
  'FROM bench/busybox:1',
  'COPY --from=build /out /opt/out',
  'RUN /opt/out/busybox wc -l /opt/out/data > /lines',
  'CMD ["cat", "/lines"]',
].join('\n'));
function dockerBuild(dir = ctxDir, tag = 'bench/build:1', extra = []) {
  const r = buildkit(['build', '-q', ...extra, '-t', tag, dir]);
  if (r.status !== 0) throw new Error(String(r.stderr));
}
record(
  'build, multi-stage busybox, cold (no cache)',
  measure(() => {}, () => run(drydock, ['build', '-q', '--no-cache', '-t', 'bench/build:1', ctxDir])),
  measure(() => {}, () => dockerBuild(ctxDir, 'bench/build:1', ['--no-cache'])),
  '<= 1.0',
);
record(
  'build, unchanged rebuild (all cached)',
  measure(() => run(drydock, ['build', '-q', '-t', 'bench/build:1', ctxDir]), () => run(drydock, ['build', '-q', '-t', 'bench/build:1', ctxDir])),
  measure(() => dockerBuild(), () => dockerBuild()),
  '<= 0.5',
);
const manyDir = join(work, 'many-files');
execFileSync('sh', ['-c', `mkdir -p ${manyDir}/src && cd ${manyDir}/src && for d in $(seq 1 100); do mkdir d$d; for f in $(seq 1 100); do echo "$d-$f" > d$d/f$f; done; done`]);
writeFileSync(join(manyDir, 'Dockerfile'), 'FROM scratch\nCOPY src /src\n');
let n = 0;
record(
  'build, unchanged 10,000-file context (hashing it, every step cached)',
  measure(() => run(drydock, ['build', '-q', '-t', 'bench/many:1', manyDir]), () => run(drydock, ['build', '-q', '-t', 'bench/many:1', manyDir])),
  measure(() => dockerBuild(manyDir, 'bench/many:1'), () => dockerBuild(manyDir, 'bench/many:1')),
  '<= 1.0',
);
record(
  'build, COPY of a 10,000-file context (new content each run)',
  measure(() => writeFileSync(join(manyDir, 'src/d1/f1'), `changed ${n++}`), () => run(drydock, ['build', '-q', '-t', 'bench/many:1', manyDir])),
  measure(() => writeFileSync(join(manyDir, 'src/d1/f1'), `changed ${n++}`), () => dockerBuild(manyDir, 'bench/many:1')),
  '(hash, copy and layer; no target)',
);

// 8. Registries: push the Debian base to an empty distribution registry (a new one, on a new
// port, for every run: neither side can skip or mount a blob), and a cold pull of a ~70 MB layer.
let registry;
function startRegistry() {
  stopRegistry();
  const dir = mkdtempSync(join(work, 'registry-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100 && spawnSync('curl', ['-sf', `http://127.0.0.1:${port}/v2/`]).status !== 0; i++) spawnSync('sleep', ['0.05']);
  registry = { child, dir, host: `127.0.0.1:${port}` };
  return registry.host;
}
function stopRegistry() {
  if (!registry) return;
  // Killed, not awaited: the event loop that would reap it is blocked in spawnSync; each run uses a new port.
  registry.child.kill('SIGKILL');
  rmSync(registry.dir, { recursive: true, force: true });
  registry = undefined;
}
run(drydock, ['import', debian, 'bench/debian:1']);
run('docker', ['import', debian, 'bench/debian:1']);
let pushRef;
record(
  'push Debian base to an empty registry',
  measure(() => { pushRef = `${startRegistry()}/bench/debian:1`; run(drydock, ['tag', 'bench/debian:1', pushRef]); }, () => run(drydock, ['push', pushRef])),
  measure(() => { pushRef = `${startRegistry()}/bench/debian:1`; run('docker', ['tag', 'bench/debian:1', pushRef]); }, () => run('docker', ['push', pushRef])),
  '<= 1.0',
);
// A ~70 MB layer of incompressible bytes, pushed once; each run pulls it into an empty store.
const bigTar = join(work, 'big.tar');
writeFileSync(bigTar, await tarBuffer([{ name: 'big.bin', content: randomBytes(70 << 20) }]));
const bigRef = `${startRegistry()}/bench/big:1`;
run('docker', ['import', bigTar, bigRef]);
run('docker', ['push', bigRef]);
const coldRoot = join(work, 'cold-root');
record(
  'cold pull of a 70 MB layer',
  measure(() => rmSync(coldRoot, { recursive: true, force: true }), () => run(drydock, ['pull', bigRef], { env: { ...env, DRYDOCK_ROOT: coldRoot } })),
  measure(() => dockerQuiet(['rmi', '-f', bigRef]), () => run('docker', ['pull', bigRef])),
  '<= 1.0',
);
stopRegistry();

// 9. CLI start-up.
record('drydock --version', measure(() => {}, () => run(drydock, ['--version']), quickRuns), measure(() => {}, () => run('docker', ['--version']), quickRuns), '< 200 ms');
// For scale: a bare Node start on this machine now (it moves with the VM's speed, and with
// NODE_EXTRA_CA_CERTS, which Node parses at every start).
record(`node -e 0 (NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'})`, measure(() => {}, () => run(process.execPath, ['-e', '0']), quickRuns), undefined, 'none');

// Clean up Docker's side.
const ids = execFileSync('docker', ['images', '-q', '--filter', 'reference=bench/*', '--filter', 'reference=*/bench/*'], { encoding: 'utf8' }).split('\n').filter(Boolean);
if (ids.length) dockerQuiet(['rmi', '-f', ...new Set(ids)]);
rmSync(work, { recursive: true, force: true });

const pad = (s, n) => String(s).padEnd(n);
console.log(`\n${pad('benchmark', 44)}${pad('drydock', 12)}${pad('docker', 12)}${pad('ratio', 8)}target`);
for (const r of results) {
  console.log(`${pad(r.name, 44)}${pad(`${r.drydock.toFixed(0)} ms`, 12)}${pad(r.docker ? `${r.docker.toFixed(0)} ms` : '-', 12)}${pad(r.ratio ? r.ratio.toFixed(2) : '-', 8)}${r.target}`);
}

async function writeManyImages(path, n) {
  const layer = await tarBuffer([{ name: 'hello.txt', content: 'hello\n' }]);
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const entries = [{ name: 'layer.tar', content: layer }];
  const manifest = [];
  for (let i = 0; i < n; i++) {
    const created = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created, config: { Labels: { i: String(i) } }, history: [{ created, comment: `image ${i}` }], rootfs: { type: 'layers', diff_ids: [diffId] } }));
    const hex = createHash('sha256').update(config).digest('hex');
    entries.push({ name: `${hex}.json`, content: config });
    manifest.push({ Config: `${hex}.json`, RepoTags: [`bench/many${i % 50}:v${i}`], Layers: ['layer.tar'] });
  }
  entries.push({ name: 'manifest.json', content: Buffer.from(JSON.stringify(manifest)) });
  writeFileSync(path, await tarBuffer(entries));
}

async function tarBuffer(entries) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  for (const e of entries) pack.entry({ name: e.name, mode: 0o644 }, Buffer.from(e.content));
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
