import type { Engine, EngineEvent, OperationContext } from '@drydock/engine';
import { DrydockError, isDrydockError } from '@drydock/engine';
import type { JobEvent, JobResult, JobSpec, JobStart } from '@drydock/protocol';
import { openSource, writeToSink, type TokenSource } from './data.js';
import { LineSplitter } from './log-lines.js';

export interface JobDeps {
  engine: Engine;
  token: TokenSource;
  /** How detached containers are supervised (the CLI's `__shim` entry); without it `container.run` is refused. */
  shim?: { command: string; args: string[] };
}

/**
 * Runs one job on the engine and reports it through `emit`: `started`, the
 * engine's progress as job events, a `result`, then `done` or `failed`.
 * Never throws: every failure becomes a `failed` event.
 */
export async function runJob(deps: JobDeps, job: JobStart, emit: (e: JobEvent) => void): Promise<void> {
  const started = Date.now();
  let failedStep: number | null = null;
  const lines = new LineSplitter((step, stream, text) => emit({ type: 'log', step, stream, text }));
  const ctx: OperationContext = {
    actor: job.actor,
    onEvent: (e) => {
      if (e.type === 'engine:build:failed') failedStep = e.step;
      const mapped = toJobEvent(e, lines);
      if (mapped) emit(mapped);
    },
  };
  emit({ type: 'started', kind: job.spec.kind });
  try {
    const result = await perform(deps, ctx, job.spec);
    lines.flush();
    emit({ type: 'result', result });
    emit({ type: 'done', durationMs: Date.now() - started });
  } catch (err) {
    lines.flush();
    const code = isDrydockError(err) ? err.code : 'internal';
    emit({ type: 'failed', code, message: err instanceof Error ? err.message : String(err), step: failedStep });
  }
}

function toJobEvent(e: EngineEvent, lines: LineSplitter): JobEvent | null {
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
    case 'engine:layer:ingest':
      return { type: 'progress', label: e.digest ?? 'layer', bytes: e.bytes, total: null };
    default:
      return null;
  }
}

async function perform(deps: JobDeps, ctx: OperationContext, spec: JobSpec): Promise<JobResult> {
  const { engine } = deps;
  switch (spec.kind) {
    case 'image.build': {
      const stream = await openSource(spec.context, deps.token);
      const imageId = await engine.build(ctx, {
        context: spec.dockerfile !== undefined ? { stream, dockerfile: spec.dockerfile } : { stream },
        tags: spec.tags,
        buildArgs: spec.buildArgs,
        noCache: spec.noCache,
        labels: spec.labels,
        ...(spec.target !== undefined ? { target: spec.target } : {}),
      });
      return { imageId };
    }
    case 'image.tag':
      engine.tag(ctx, spec.source, spec.target);
      return { imageId: engine.resolve(spec.target) };
    case 'image.rm':
      return { removed: engine.remove(ctx, spec.ref, { force: spec.force, prune: !spec.noPrune }) };
    case 'image.import': {
      const { parseChanges } = await import('@drydock/engine/changes');
      const stream = await openSource(spec.source, deps.token);
      const imageId = await engine.importImage(ctx, stream, {
        source: spec.source.kind === 'url' ? spec.source.url : '-',
        applyChanges: parseChanges(spec.changes),
        ...(spec.ref !== undefined ? { ref: spec.ref } : {}),
        ...(spec.message !== undefined ? { message: spec.message } : {}),
      });
      return { imageId };
    }
    case 'image.load': {
      const loaded = await engine.load(ctx, await openSource(spec.source, deps.token));
      return { loaded: loaded.map((l) => ({ id: l.id, tags: l.tags })) };
    }
    case 'image.save':
      return { bytes: await writeToSink(spec.sink, deps.token, (out) => engine.save(ctx, spec.refs, out)) };
    case 'container.run': {
      if (!deps.shim) throw unsupported('running containers needs the agent started from the drydock CLI');
      const record = await engine.containers.create(ctx, {
        image: spec.image,
        env: spec.env,
        publish: spec.publish,
        labels: spec.labels,
        ...pick(spec, ['name', 'cmd', 'entrypoint', 'workdir', 'user', 'network']),
      });
      await engine.containers.start(ctx, record.id, { detach: deps.shim });
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
    case 'container.diff': {
      const text = await engine.containers.diff(spec.container);
      const changes = text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => ({ kind: l[0] as 'A' | 'C' | 'D', path: l.slice(2) }));
      return { changes };
    }
    case 'container.export':
      return { bytes: await writeToSink(spec.sink, deps.token, (out) => engine.containers.export(ctx, spec.container, out)) };
    case 'image.pull':
    case 'image.push':
      throw unsupported(`${spec.kind} needs the engine's registry client, which this agent's engine does not have yet`);
    case 'container.exec':
      throw unsupported('exec with a terminal is not implemented by this agent yet');
  }
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
