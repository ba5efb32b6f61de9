import type { Engine, EngineEvent, OperationContext } from '@drydock/engine';
import { DrydockError, distribution, isDrydockError, reference } from '@drydock/engine';
import { type JobEvent, type JobResult, type JobSpec, type JobStart, type RegistryAccess } from '@drydock/protocol';
import { openSource, writeToSink, type TokenSource } from './data.js';
import { openTerminal, type Terminal } from './exec-terminal.js';
import { fetchGitContext, inside } from './git-context.js';
import { LineSplitter } from './log-lines.js';

export interface JobDeps {
  engine: Engine;
  root: string;
  token: TokenSource;
  /**
   * How to run the drydock CLI on this host (`node drydock.mjs`): detached
   * containers are supervised by its `__shim`, and exec terminals run its
   * `exec -it`. Without it `container.run` and `container.exec` are refused.
   */
  cli?: { command: string; args: string[] };
  /** Open exec terminals by job id, for `exec:input` and `exec:resize`. */
  terminals: Map<string, Terminal>;
  /** Live terminal output of an exec job. */
  output: (jobId: string, data: Buffer) => void;
  /** How the engine reaches registries on this host (the CLI's Docker config, insecure hosts, certs.d). */
  registry?: () => Promise<distribution.RegistryOptions>;
}

/**
 * Runs one job on the engine and reports it through `emit`: `started`, the
 * engine's progress as job events, a `result`, then `done` or `failed`.
 * Never throws: every failure becomes a `failed` event.
 */
export async function runJob(deps: JobDeps, job: JobStart, emit: (e: JobEvent) => void, signal: AbortSignal = new AbortController().signal): Promise<void> {
  const started = Date.now();
  let failedStep: number | null = null;
  const lines = new LineSplitter((step, stream, text) => emit({ type: 'log', step, stream, text }));
  const layers = new LayerProgress();
  const ctx: OperationContext = {
    actor: job.actor,
    signal,
    onEvent: (e) => {
      if (e.type === 'engine:build:failed') failedStep = e.step;
      const mapped = toJobEvent(e, lines, layers);
      if (mapped) emit(mapped);
    },
  };
  emit({ type: 'started', kind: job.spec.kind });
  try {
    const result = await perform(deps, ctx, job, signal, emit);
    lines.flush();
    emit({ type: 'result', result });
    emit({ type: 'done', durationMs: Date.now() - started });
  } catch (err) {
    lines.flush();
    const code = signal.aborted ? 'cancelled' : isDrydockError(err) ? err.code : 'internal';
    emit({ type: 'failed', code, message: err instanceof Error ? err.message : String(err), step: failedStep });
  }
}

/**
 * Keeps a pull's or push's per-layer progress to what a progress bar needs:
 * every status change, and byte counts only once they moved by 1 MiB or 2%
 * (each event is a row in the outbox and a message to the hub).
 */
class LayerProgress {
  private readonly last = new Map<string, { status: string; bytes: number }>();

  event(id: string, status: string, current: number | undefined, total: number | undefined): JobEvent | null {
    const bytes = current ?? 0;
    const before = this.last.get(id);
    const step = Math.max(1 << 20, (total ?? 0) / 50);
    if (before && before.status === status && bytes - before.bytes < step) return null;
    this.last.set(id, { status, bytes });
    return { type: 'progress', label: `${id}: ${status}`, bytes, total: total ?? null };
  }
}

function toJobEvent(e: EngineEvent, lines: LineSplitter, layers: LayerProgress): JobEvent | null {
  switch (e.type) {
    case 'engine:build:step':
      return { type: 'step', step: e.step, name: e.name };
    case 'engine:build:log':
      lines.push(e.step, e.stream, e.text);
      return null;
    case 'engine:build:cached':
      return { type: 'cached', step: e.step };
    case 'engine:build:done':
      lines.flush();
      return { type: 'step-done', step: e.step, durationMs: e.durationMs };
    case 'engine:registry:status':
      return { type: 'log', step: null, stream: 'stdout', text: e.text };
    case 'engine:registry:layer':
      return layers.event(e.id, e.status, e.current, e.total);
    case 'engine:layer:ingest':
      return { type: 'progress', label: e.digest ?? 'layer', bytes: e.bytes, total: null };
    default:
      return null;
  }
}

async function perform(deps: JobDeps, ctx: OperationContext, job: JobStart, signal: AbortSignal, emit: (e: JobEvent) => void): Promise<JobResult> {
  const { engine } = deps;
  const spec = job.spec;
  switch (spec.kind) {
    case 'image.build': {
      const options = {
        tags: spec.tags,
        buildArgs: spec.buildArgs,
        noCache: spec.noCache,
        labels: spec.labels,
        ...(spec.target !== undefined ? { target: spec.target } : {}),
      };
      if (spec.context.kind === 'git') {
        const { dir, cleanup } = await fetchGitContext(spec.context, engine.layout.tmp);
        try {
          const dockerfile = spec.dockerfile !== undefined ? inside(dir, spec.dockerfile, 'the Dockerfile') : undefined;
          return { imageId: await engine.build(ctx, { ...options, context: dockerfile !== undefined ? { dir, dockerfile } : { dir } }) };
        } finally {
          cleanup();
        }
      }
      const stream = await openSource(spec.context, deps.token, signal);
      const context = spec.dockerfile !== undefined ? { stream, dockerfile: spec.dockerfile } : { stream };
      return { imageId: await engine.build(ctx, { ...options, context }) };
    }
    case 'image.tag':
      engine.tag(ctx, spec.source, spec.target);
      return { imageId: engine.resolve(spec.target) };
    case 'image.rm':
      return { removed: engine.remove(ctx, spec.ref, { force: spec.force, prune: !spec.noPrune }) };
    case 'image.import': {
      const { parseChanges } = await import('@drydock/engine/changes');
      const stream = await openSource(spec.source, deps.token, signal);
      const imageId = await engine.importImage(ctx, stream, {
        source: spec.source.kind === 'url' ? spec.source.url : '-',
        applyChanges: parseChanges(spec.changes),
        ...(spec.ref !== undefined ? { ref: spec.ref } : {}),
        ...(spec.message !== undefined ? { message: spec.message } : {}),
      });
      return { imageId };
    }
    case 'image.load': {
      const loaded = await engine.load(ctx, await openSource(spec.source, deps.token, signal));
      return { loaded: loaded.map((l) => ({ id: l.id, tags: l.tags })) };
    }
    case 'image.save':
      return { bytes: await writeToSink(spec.sink, deps.token, (out) => engine.save(ctx, spec.refs, out)) };
    case 'container.run': {
      if (!deps.cli) throw unsupported('running containers needs the agent started from the drydock CLI');
      const record = await engine.containers.create(ctx, {
        image: spec.image,
        env: spec.env,
        publish: spec.publish,
        labels: spec.labels,
        autoRemove: spec.autoRemove,
        ...pick(spec, ['name', 'cmd', 'entrypoint', 'workdir', 'user', 'network']),
      });
      await engine.containers.start(ctx, record.id, { detach: { command: deps.cli.command, args: [...deps.cli.args, '__shim'] } });
      return { containerId: record.id };
    }
    case 'container.stop':
      await engine.containers.stop(ctx, spec.container, spec.timeoutSec !== undefined ? { timeoutSec: spec.timeoutSec } : {});
      return {};
    case 'container.rm':
      return { containerId: await engine.containers.remove(ctx, spec.container, { force: spec.force }) };
    case 'container.commit': {
      const imageId = await engine.containers.commit(ctx, spec.container, {
        changes: spec.changes,
        pause: spec.pause,
        ...pick(spec, ['ref', 'message', 'author']),
      });
      return { imageId };
    }
    case 'container.diff':
      return { changes: await engine.containers.changes(spec.container) };
    case 'container.export':
      return { bytes: await writeToSink(spec.sink, deps.token, (out) => engine.containers.export(ctx, spec.container, out)) };
    case 'image.pull': {
      const platform = spec.platform !== undefined ? distribution.parsePlatform(spec.platform) : undefined;
      const results = await engine.pull(ctx, spec.ref, { ...(await registryOptions(deps, spec.ref, spec.registry)), all: spec.all, ...(platform ? { platform } : {}) });
      const first = results[0];
      return { refs: results.map((r) => r.ref), ...(first && !spec.all ? { imageId: first.id, digest: first.digest } : {}) };
    }
    case 'image.push': {
      const results = await engine.push(ctx, spec.ref, { ...(await registryOptions(deps, spec.ref, spec.registry)), all: spec.all });
      const first = results[0];
      return { refs: results.map((r) => r.ref), ...(first && !spec.all ? { digest: first.digest } : {}) };
    }
    case 'container.exec':
      return { exitCode: await execTerminal(deps, job.jobId, spec, signal) };
    case 'container.logs': {
      const opts = { follow: spec.follow, signal, ...(spec.tail !== undefined ? { tail: spec.tail } : {}), ...(spec.since !== undefined ? { since: spec.since } : {}) };
      for await (const line of engine.containers.logs(spec.container, opts)) {
        emit({ type: 'log', step: null, stream: line.stream, text: line.log.replace(/\r?\n$/, ''), time: line.time });
      }
      if (signal.aborted) throw new DrydockError('internal', 'the log stream was cancelled');
      return {};
    }
  }
}

/**
 * `drydock exec -it` on a pty of the hub's terminal size, its output live to
 * the hub. It runs the CLI (the engine's exec relays the process's own stdio).
 */
async function execTerminal(deps: JobDeps, jobId: string, spec: Extract<JobSpec, { kind: 'container.exec' }>, signal: AbortSignal): Promise<number> {
  if (!deps.cli) throw unsupported('exec needs the agent started from the drydock CLI');
  deps.engine.containers.store.resolve(spec.container); // fail early, as a job error, for an unknown container
  const args = [...deps.cli.args, 'exec', '-i', '-t', ...spec.env.flatMap((e) => ['-e', e])];
  if (spec.user !== undefined) args.push('-u', spec.user);
  if (spec.workdir !== undefined) args.push('-w', spec.workdir);
  args.push(spec.container, ...spec.cmd);
  const env = { ...process.env, DRYDOCK_ROOT: deps.root };
  const terminal = openTerminal(deps.cli.command, args, { cols: spec.cols ?? 80, rows: spec.rows ?? 24 }, env, (data) => deps.output(jobId, data));
  deps.terminals.set(jobId, terminal);
  const hangUp = () => terminal.kill();
  signal.addEventListener('abort', hangUp);
  try {
    const code = await terminal.exited;
    if (signal.aborted) throw new DrydockError('internal', 'the exec session was cancelled');
    return code;
  } finally {
    signal.removeEventListener('abort', hangUp);
    deps.terminals.delete(jobId);
  }
}

/** The host's registry options, with the job's credentials and insecure flag on top. */
async function registryOptions(deps: JobDeps, ref: string, access: RegistryAccess | undefined): Promise<distribution.RegistryOptions> {
  const base = (await deps.registry?.()) ?? {};
  if (!access) return base;
  const given = access.credentials;
  const domain = reference.parseNormalizedNamed(ref).domain;
  return {
    ...base,
    ...(given ? { credentials: async () => given } : {}),
    ...(access.insecure ? { insecureRegistries: [...(base.insecureRegistries ?? []), domain] } : {}),
  };
}

function unsupported(message: string): DrydockError {
  return new DrydockError('unsupported', message);
}

/** The keys of `obj` among `keys` whose values are defined (exactOptionalPropertyTypes-friendly spreading). */
function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
