import { mkdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Digest } from '../digest.js';
import { DrydockError, isDrydockError } from '../errors.js';
import { checkCancelled, emit, type OperationContext } from '../events.js';
import { applyInstruction } from '../image/changes.js';
import { serializeConfig, type ContainerConfig, type ImageConfig } from '../image/config.js';
import { formatPlatform, parsePlatform, platformMatches, platformOf, type Platform } from '../image/platform.js';
import { refInput } from '../image/ref-input.js';
import { parseTagTarget, resolveImage } from '../image/resolve.js';
import { parseDockerfile } from '../dockerfile/parser/index.js';
import { nodeArgs, type Node } from '../dockerfile/parser/node.js';
import { envFromList, processWord } from '../dockerfile/shell/index.js';
import { ensureWorkingDir } from '../runtime/user.js';
import type { LayerRecord } from '../store/image-store.js';
import { hostPlatform, rfc3339Nano } from '../time.js';
import { BuildCache } from './cache.js';
import type { BuildDeps } from './deps.js';
import { withLayerStep, type NewLayer } from './layer-step.js';
import { runCommand } from './run-step.js';
import { attachRunMounts, mountCacheInputs, parseRunFlags, type SecretSource } from './run-mounts.js';
import { planStages, stagesFor, findStage, type Stage } from './stages.js';
import type { BuildContext } from './context/context.js';
import { rootfsTree, type SourceTree } from './context/tree.js';

export interface BuildRequest {
  /** The build context, with its Dockerfile and .dockerignore (see build/context). */
  context: BuildContext;
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  labels?: Record<string, string>;
  /** `--secret id=…`: what `RUN --mount=type=secret` mounts; never in a layer, the image or a cache key. */
  secrets?: Record<string, SecretSource>;
  /**
   * `SOURCE_DATE_EPOCH` / `--reproducible`: seconds since the epoch used for
   * every `created` time, and the latest file time in new layers, so the same
   * inputs give the same image digest.
   */
  sourceDateEpoch?: number;
  /** What ADD fetches URLs with (default: the global fetch), e.g. one that trusts more CAs. */
  fetch?: typeof globalThis.fetch;
}

/** The image being built by one stage, step by step. */
interface StageState {
  imageId: Digest | null;
  config: ImageConfig;
  layers: LayerRecord[];
  args: Record<string, string>;
}

const BUILDKIT_COMMENT = 'buildkit.dockerfile.v0';

/**
 * `docker build`: the stages the target needs, each instruction a cached
 * step whose result is an image (intermediate until tagged). Returns the
 * final image's ID. Steps emit `engine:build:*` events.
 */
export async function buildImage(deps: BuildDeps, ctx: OperationContext, req: BuildRequest): Promise<Digest> {
  const fileName = req.context.dockerfileName === '-' ? 'Dockerfile' : req.context.dockerfileName;
  const tags = (req.tags ?? []).map((t) => parseTagTarget(t));
  const { ast } = parseDockerfile(req.context.dockerfile.toString('utf8'), { fileName, rejectUnknownInstructions: true });
  const plan = planStages(ast, fileName);
  const buildArgs = { ...req.buildArgs };
  const globals = declareArgs(plan.globalArgs, {}, buildArgs, predefinedArgs());
  const baseOf = (s: Stage) => expand(s.base, globals);
  const stages = stagesFor(plan, req.target, baseOf);
  const cache = new BuildCache(deps.db, deps.images);
  const results = new Map<number, StageState>();
  let step = 0;

  for (const stage of stages) {
    const label = (i: number, n: number) => `[${stage.name ? `${stage.name} ` : ''}${i}/${n}]`;
    step++;
    const fromStep = step;
    const state = fromStage(deps, results, plan, stage, baseOf(stage), globals);
    const instructions = [...onbuildTriggers(state, fileName), ...stage.instructions];
    const count = instructions.length + 1;
    emit(ctx, { type: 'engine:build:step', step: fromStep, name: `${label(1, count)} FROM ${baseOf(stage)}` });
    emit(ctx, { type: 'engine:build:done', step: fromStep, durationMs: 0 });
    for (const [i, node] of instructions.entries()) {
      step++;
      const started = Date.now();
      emit(ctx, { type: 'engine:build:step', step, name: `${label(i + 2, count)} ${describe(node)}` });
      try {
        checkCancelled(ctx, 'the build');
        await runStep(deps, ctx, cache, state, node, { buildArgs, globals, noCache: req.noCache ?? false, step, results, plan, context: req.context, fileName, secrets: req.secrets ?? {}, epoch: req.sourceDateEpoch, fetch: req.fetch });
      } catch (err) {
        const message = isDrydockError(err) ? err.message : (err as Error).message;
        emit(ctx, { type: 'engine:build:failed', step, error: message });
        const where = `${fileName}:${node.startLine}`;
        throw new DrydockError(isDrydockError(err) ? err.code : 'internal', message.startsWith(fileName) ? message : `${where}: ${describe(node)}: ${message}`, { cause: err });
      }
      emit(ctx, { type: 'engine:build:done', step, durationMs: Date.now() - started });
    }
    results.set(stage.index, state);
  }

  checkCancelled(ctx, 'the build'); // nothing is tagged after a cancel
  const final = results.get(stages[stages.length - 1]!.index)!;
  let id = final.imageId ?? commitConfig(deps, final, null);
  if (req.labels && Object.keys(req.labels).length > 0) {
    const config = structuredClone(final.config);
    config.config = { ...(config.config as ContainerConfig), Labels: { ...(config.config?.Labels ?? {}), ...req.labels } };
    id = commitConfig(deps, { ...final, config }, null, false);
  }
  deps.images.finalize(id, tags.map(refInput));
  return id;
}

interface StepContext {
  buildArgs: Record<string, string>;
  globals: Record<string, string>;
  noCache: boolean;
  step: number;
  results: Map<number, StageState>;
  plan: ReturnType<typeof planStages>;
  context: BuildContext;
  fileName: string;
  secrets: Record<string, SecretSource>;
  epoch: number | undefined;
  fetch: typeof globalThis.fetch | undefined;
}

/** One instruction: answered from the cache when its key is known, else executed and recorded. */
async function runStep(deps: BuildDeps, ctx: OperationContext, cache: BuildCache, state: StageState, node: Node, sc: StepContext): Promise<void> {
  const cmd = node.value.toLowerCase();
  if (cmd === 'arg') {
    Object.assign(state.args, declareArgs([node], sc.globals, sc.buildArgs, predefinedArgs()));
    // BuildKit (as in Docker 20.10) records the declaration, as written, as an empty layer.
    const created = createdAt(sc.epoch);
    const config = structuredClone(state.config);
    config.created = created;
    config.history = [...(config.history ?? []), { created, created_by: `ARG ${nodeArgs(node).join(' ')}`, comment: BUILDKIT_COMMENT, empty_layer: true }];
    const key = BuildCache.key(state.imageId ?? 'scratch', node.original, withEpoch(state.args, sc.epoch));
    const hit = sc.noCache ? undefined : cache.get(key);
    if (hit) emit(ctx, { type: 'engine:build:cached', step: sc.step });
    const id = hit ?? commitConfig(deps, { ...state, config }, null);
    cache.put(key, id);
    adopt(deps, state, id);
    return;
  }
  const vars = state.args;
  const env = (word: string) => expand(word, { ...vars, ...envRecord(state.config.config?.Env ?? []) });
  const runArgs = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  const from = cmd === 'copy' || cmd === 'add' ? node.flags.find((f) => f.startsWith('--from='))?.slice('--from='.length) : undefined;
  // COPY --from keys by the source image, so a changed stage invalidates the copy.
  const fromKey = from === undefined ? null : sourceImage(deps, sc, from);
  const runFlags = cmd === 'run' ? parseRunFlags(node.flags, env, state.config.config?.WorkingDir || '/') : undefined;
  const mountSources = { context: sc.context, imageKeyOf: (f: string) => sourceImage(deps, sc, f) };
  const inputs =
    runFlags !== undefined
      ? runFlags.mounts.length > 0 ? { args: runArgs, mounts: mountCacheInputs(runFlags.mounts, mountSources) } : runArgs
      : cmd === 'copy' || cmd === 'add' ? (from === undefined ? await deps.copyInputs(node, sc.context, env) : fromKey) : vars;
  const key = BuildCache.key(state.imageId ?? 'scratch', node.original, withEpoch(inputs, sc.epoch));
  const layerOpts = sc.epoch !== undefined ? { clampMtime: sc.epoch } : {};
  const hit = sc.noCache ? undefined : cache.get(key);
  if (hit) {
    emit(ctx, { type: 'engine:build:cached', step: sc.step });
    adopt(deps, state, hit);
    return;
  }
  const config = structuredClone(state.config);
  const container = (config.config ??= emptyConfig());
  let layer: NewLayer | undefined;
  let createdBy = describe(node);
  switch (cmd) {
    case 'run': {
      const { network, mounts } = runFlags!;
      const args = runArgsOf(node, container.Shell?.length ? container.Shell : ['/bin/sh', '-c']);
      const onOutput = (stream: 'stdout' | 'stderr', text: string) => emit(ctx, { type: 'engine:build:log', step: sc.step, stream, text });
      layer = await withLayerStep(deps.layerDeps, state.layers, async (root, k) => {
        const scratch = join(deps.bundleRoot, `${k}-mounts`);
        mkdirSync(scratch, { recursive: true, mode: 0o700 });
        const sources = { ...mountSources, cacheRoot: deps.cacheMountRoot, scratch, secrets: sc.secrets, rootfsOf: (f: string) => sourceFor(deps, sc, f) };
        const attached = await attachRunMounts(mounts, root, sources).catch((err: unknown) => {
          rmSync(scratch, { recursive: true, force: true });
          throw err;
        });
        try {
          await runCommand({ runtime: deps.runtime(), bundleRoot: deps.bundleRoot }, root, k, container, args, runArgs, network, onOutput, attached.oci, ctx.signal);
        } finally {
          attached.release();
          rmSync(scratch, { recursive: true, force: true });
        }
        return { exclude: attached.stubs };
      }, layerOpts);
      // BuildKit names the build args in effect: `RUN |1 A=b /bin/sh -c …`.
      createdBy = `RUN ${runArgs.length > 0 ? `|${runArgs.length} ${runArgs.join(' ')} ` : ''}${args.join(' ')} # buildkit`;
      break;
    }
    case 'copy':
    case 'add': {
      const source = from === undefined ? { tree: sc.context as SourceTree } : await sourceFor(deps, sc, from);
      try {
        layer = await withLayerStep(deps.layerDeps, state.layers, (root) => deps.copy(node, root, source.tree, container, env, cmd === 'add', sc.fetch), layerOpts);
      } finally {
        source.release?.();
      }
      // BuildKit's history names the sources and the destination, not the flags.
      createdBy = `${cmd.toUpperCase()} ${nodeArgs(node).join(' ')} # buildkit`;
      break;
    }
    case 'workdir': {
      const dir = env(nodeArgs(node)[0] ?? '');
      container.WorkingDir = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join(container.WorkingDir || '/', dir);
      if (container.WorkingDir !== '/') {
        layer = await withLayerStep(deps.layerDeps, state.layers, async (root) => ensureWorkingDir(root, container.WorkingDir, { uid: 0, gid: 0 }), layerOpts);
      }
      createdBy = `WORKDIR ${container.WorkingDir}`;
      break;
    }
    case 'maintainer':
      config.author = nodeArgs(node).join(' ');
      break;
    case 'shell':
      container.Shell = nodeArgs(node);
      createdBy = `SHELL [${container.Shell.map((s) => JSON.stringify(s)).join(' ')}]`;
      break;
    case 'healthcheck':
      container.Healthcheck = healthcheck(node);
      break;
    case 'cmd':
    case 'entrypoint': {
      const dispatch = { config: container, cmdSet: cmd === 'cmd' || state.config.config?.Cmd !== undefined };
      applyInstruction(dispatch, node, vars);
      const value = cmd === 'cmd' ? container.Cmd : container.Entrypoint;
      createdBy = `${cmd.toUpperCase()} [${(value ?? []).map((s) => JSON.stringify(s)).join(' ')}]`;
      break;
    }
    case 'from':
      throw new DrydockError('invalid-argument', 'unexpected FROM');
    case 'env':
    case 'label': {
      applyInstruction({ config: container, cmdSet: true }, node, vars);
      const a = nodeArgs(node);
      const pairs: string[] = [];
      for (let i = 0; i + 1 < a.length; i += 3) pairs.push(`${cmd === 'label' ? a[i] : env(a[i]!)}=${env(a[i + 1]!)}`);
      createdBy = `${cmd.toUpperCase()} ${pairs.join(' ')}`;
      break;
    }
    case 'expose':
    case 'volume': {
      applyInstruction({ config: container, cmdSet: true }, node, vars);
      // BuildKit's history prints Go values: a map for EXPOSE, a slice for VOLUME.
      createdBy =
        cmd === 'expose'
          ? `EXPOSE map[${nodeArgs(node).map(env).map((p) => (p.includes('/') ? p : `${p}/tcp`)).sort().map((p) => `${p}:{}`).join(' ')}]`
          : `VOLUME [${nodeArgs(node).map(env).join(' ')}]`;
      break;
    }
    default:
      applyInstruction({ config: container, cmdSet: true }, node, vars);
      createdBy = `${node.value.toUpperCase()} ${nodeArgs(node).map(env).join(' ')}`.trim();
  }
  const created = createdAt(sc.epoch);
  config.created = created;
  config.history = [...(config.history ?? []), { created, created_by: createdBy, comment: BUILDKIT_COMMENT, ...(layer ? {} : { empty_layer: true }) }];
  if (layer) config.rootfs = { type: 'layers', diff_ids: [...config.rootfs.diff_ids, layer.diffId] };
  const id = commitConfig(deps, { ...state, config }, layer ?? null);
  cache.put(key, id);
  adopt(deps, state, id);
}

/** A history/config `created` time: now, or the SOURCE_DATE_EPOCH. */
function createdAt(epoch: number | undefined): string {
  return rfc3339Nano(epoch === undefined ? new Date() : new Date(epoch * 1000));
}

/** A cache key's inputs: a reproducible build never reuses steps made with other times. */
function withEpoch(inputs: unknown, epoch: number | undefined): unknown {
  return epoch === undefined ? inputs : { inputs, epoch };
}

/** Registers the state's config (plus a new layer) as an intermediate image. */
function commitConfig(deps: BuildDeps, state: StageState, layer: NewLayer | null, intermediate = true): Digest {
  const bytes = serializeConfig(state.config);
  return deps.images.register({
    config: state.config,
    configBlob: deps.content.stageBytes(bytes),
    layers: [...state.layers.map((l) => ({ diffId: l.diffId, size: l.size, unpackedSize: l.unpackedSize })), ...(layer ? [layer] : [])],
    ...(state.imageId ? { parent: state.imageId } : {}),
    intermediate,
  });
}

/**
 * The process of a RUN: exec form as written; shell form through the SHELL.
 * Heredocs (`RUN <<EOF`) as BuildKit runs them: a lone heredoc is the script
 * itself; heredocs after a command are given to the shell with the command,
 * which reads them as here-documents.
 */
function runArgsOf(node: Node, shell: string[]): string[] {
  if (node.attributes.json) return nodeArgs(node);
  const line = nodeArgs(node).join(' ');
  const [doc] = node.heredocs;
  if (!doc) return [...shell, line];
  if (node.heredocs.length === 1 && /^<<-?["']?\w+["']?$/.test(line.trim())) return [...shell, doc.chomp ? doc.content.replace(/^\t+/gm, '') : doc.content];
  return [...shell, `${line}\n${node.heredocs.map((h) => `${h.content}${h.name}`).join('\n')}`];
}

/**
 * ONBUILD: the base image's triggers run first, as if written after FROM, and
 * are not inherited further (BuildKit clears them).
 */
function onbuildTriggers(state: StageState, fileName: string): Node[] {
  const triggers = state.config.config?.OnBuild ?? [];
  if (triggers.length === 0) return [];
  state.config = structuredClone(state.config);
  state.config.config!.OnBuild = null;
  return parseDockerfile(triggers.join('\n'), { fileName: `${fileName} (ONBUILD)`, rejectUnknownInstructions: true }).ast.children;
}

function adopt(deps: BuildDeps, state: StageState, id: Digest): void {
  state.imageId = id;
  state.config = deps.images.config(id);
  state.layers = deps.images.layers(id);
}

/** FROM: `scratch`, an earlier stage, or an image in the store. */
function fromStage(deps: BuildDeps, results: Map<number, StageState>, plan: ReturnType<typeof planStages>, stage: Stage, base: string, globals: Record<string, string>): StageState {
  const args: Record<string, string> = {};
  const platform = stagePlatform(stage, globals);
  if (base === 'scratch') {
    const { os, architecture, variant } = platform ?? hostPlatform();
    // BuildKit's scratch config: the default PATH and `/` as working directory.
    return { imageId: null, config: { architecture, os, ...(variant ? { variant } : {}), config: { ...emptyConfig(), WorkingDir: '/' }, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [], args };
  }
  const earlier = findStage(plan, base);
  if (earlier && earlier.index < stage.index) {
    const s = results.get(earlier.index)!;
    return { imageId: s.imageId, config: structuredClone(s.config), layers: [...s.layers], args };
  }
  const { id } = resolveImage(deps.images, base);
  const config = deps.images.config(id);
  if (platform && !platformMatches(platform, platformOf(config))) {
    // Nothing here pulls another platform's variant or emulates it: say so rather than build the wrong thing.
    throw new DrydockError('unsupported', `image ${base} is ${formatPlatform(platformOf(config))}, not the requested ${formatPlatform(platform)}`);
  }
  // BuildKit gives every stage a PATH when its base image has none.
  const env = config.config?.Env ?? [];
  if (!env.some((e) => e.startsWith('PATH='))) config.config = { ...(config.config ?? emptyConfig()), Env: [DEFAULT_PATH, ...env] };
  return { imageId: id, config, layers: deps.images.layers(id), args };
}

/** `FROM --platform=…`, expanded with the global and automatic ARGs (`$BUILDPLATFORM`). */
function stagePlatform(stage: Stage, globals: Record<string, string>): Platform | undefined {
  const flag = stage.from.flags.find((f) => f.startsWith('--platform='));
  if (flag === undefined) return undefined;
  const value = expand(flag.slice('--platform='.length), { ...predefinedArgs(), ...globals });
  return value === '' ? undefined : parsePlatform(value);
}

/** COPY --from: a stage built earlier in this build, or an image in the store, mounted read-only for the copy. */
async function sourceFor(deps: BuildDeps, sc: StepContext, from: string): Promise<{ tree: SourceTree; release?: () => void }> {
  const stage = findStage(sc.plan, from);
  const layers = stage ? sc.results.get(stage.index)?.layers : deps.images.layers(resolveImage(deps.images, from).id);
  if (!layers) throw new DrydockError('invalid-argument', `invalid from flag value ${from}: stage not built`);
  const mounted = await deps.mountLayers(layers);
  return { tree: rootfsTree(mounted.dir), ...(mounted.release ? { release: mounted.release } : {}) };
}

/** What a COPY --from copies from, for the cache key: the stage's or image's ID. */
function sourceImage(deps: BuildDeps, sc: StepContext, from: string): string {
  const stage = findStage(sc.plan, from);
  if (stage) return sc.results.get(stage.index)?.imageId ?? 'scratch';
  try {
    return resolveImage(deps.images, from).id;
  } catch (err) {
    throw new DrydockError('not-found', `invalid from flag value ${from}: ${(err as Error).message}`, { cause: err });
  }
}

function declareArgs(nodes: Node[], globals: Record<string, string>, buildArgs: Record<string, string>, predefined: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const node of nodes) {
    for (const decl of nodeArgs(node)) {
      const eq = decl.indexOf('=');
      const name = eq < 0 ? decl : decl.slice(0, eq);
      const def = eq < 0 ? undefined : expand(decl.slice(eq + 1), { ...globals, ...out });
      const value = buildArgs[name] ?? def ?? globals[name] ?? predefined[name];
      if (value !== undefined) out[name] = value;
    }
  }
  return out;
}

/** BuildKit's automatic platform ARGs. */
function predefinedArgs(): Record<string, string> {
  const { os, architecture } = hostPlatform();
  return { TARGETPLATFORM: `${os}/${architecture}`, TARGETOS: os, TARGETARCH: architecture, BUILDPLATFORM: `${os}/${architecture}`, BUILDOS: os, BUILDARCH: architecture };
}

function expand(word: string, vars: Record<string, string>): string {
  return processWord(word, envFromList(Object.entries(vars).map(([k, v]) => `${k}=${v}`)));
}

function envRecord(env: string[]): Record<string, string> {
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')), e.indexOf('=') < 0 ? '' : e.slice(e.indexOf('=') + 1)]));
}

/** How a step is shown in progress output: the instruction as written, keyword upper-cased. */
export function describe(node: Node): string {
  const text = node.original.trim();
  const space = text.search(/\s/);
  return space < 0 ? text.toUpperCase() : `${text.slice(0, space).toUpperCase()}${text.slice(space)}`;
}

function healthcheck(node: Node): ContainerConfig['Healthcheck'] {
  const args = nodeArgs(node);
  if ((args[0] ?? '').toUpperCase() === 'NONE') return { Test: ['NONE'] };
  const duration = (flag: string) => {
    const v = node.flags.find((f) => f.startsWith(`--${flag}=`))?.split('=')[1];
    if (!v) return undefined;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
    if (!m) throw new DrydockError('invalid-argument', `Invalid duration for --${flag}: ${v}`);
    return Math.round(Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ms' | 's' | 'm' | 'h']);
  };
  const retries = node.flags.find((f) => f.startsWith('--retries='))?.split('=')[1];
  const test = node.attributes.json ? ['CMD', ...args.slice(1)] : ['CMD-SHELL', args.slice(1).join(' ')];
  return {
    Test: test,
    ...(duration('interval') !== undefined ? { Interval: duration('interval') } : {}),
    ...(duration('timeout') !== undefined ? { Timeout: duration('timeout') } : {}),
    ...(duration('start-period') !== undefined ? { StartPeriod: duration('start-period') } : {}),
    ...(retries ? { Retries: Number(retries) } : {}),
  };
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function emptyConfig(): ContainerConfig {
  return { Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false, OpenStdin: false, StdinOnce: false, Env: [DEFAULT_PATH], Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null };
}
