import { posix } from 'node:path';
import { parseDockerfile } from '../dockerfile/parser/index.js';
import { nodeArgs, type Node } from '../dockerfile/parser/node.js';
import { envFromList, processWord } from '../dockerfile/shell/index.js';
import { DrydockError } from '../errors.js';
import type { ContainerConfig } from './config.js';

/** The instructions `docker commit/import --change` accepts (Docker's validCommitCommands). */
const CHANGE_COMMANDS = new Set(['cmd', 'entrypoint', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir']);

/**
 * Parses `--change` lines as Dockerfile instructions up front (so a bad
 * change fails before any input is read) and returns a function applying them
 * to a container config, with variables expanded from the config's Env as
 * Docker's BuildFromConfig does.
 */
export function parseChanges(changes: readonly string[]): (config: ContainerConfig) => ContainerConfig {
  if (changes.length === 0) return (c) => c;
  const { ast } = parseDockerfile(changes.join('\n'), { fileName: '--change' });
  for (const node of ast.children) {
    const cmd = node.value.toLowerCase();
    if (!CHANGE_COMMANDS.has(cmd)) throw new DrydockError('invalid-argument', `${cmd} is not a valid change command`);
  }
  return (config) => {
    const state = { config: structuredClone(config), cmdSet: false };
    for (const node of ast.children) applyInstruction(state, node);
    return state.config;
  };
}

export interface DispatchState {
  config: ContainerConfig;
  /** Whether CMD was set by these instructions: ENTRYPOINT clears an inherited CMD otherwise. */
  cmdSet: boolean;
}

/**
 * Applies one config-only instruction (ENV, LABEL, CMD, ENTRYPOINT, EXPOSE,
 * USER, VOLUME, WORKDIR, ONBUILD, STOPSIGNAL) to the state, with Docker's
 * semantics. The Dockerfile builder uses the same function.
 */
export function applyInstruction(state: DispatchState, node: Node, vars: Record<string, string> = {}): void {
  const c = state.config;
  // Build args are visible to expansion; ENV values win over them (BuildKit).
  const expand = (word: string) => processWord(word, envFromList([...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ...(c.Env ?? [])]));
  const args = nodeArgs(node);
  switch (node.value.toLowerCase()) {
    case 'env':
      // The parser gives (key, value, separator) triplets.
      for (let i = 0; i + 1 < args.length; i += 3) setEnv(c, args[i]!, expand(args[i + 1]!));
      break;
    case 'label':
      c.Labels = { ...(c.Labels ?? {}) };
      for (let i = 0; i + 1 < args.length; i += 3) c.Labels[expand(args[i]!)] = expand(args[i + 1]!);
      break;
    case 'cmd':
      c.Cmd = commandLine(node, c);
      state.cmdSet = true;
      break;
    case 'entrypoint':
      c.Entrypoint = commandLine(node, c);
      if (!state.cmdSet) c.Cmd = null;
      break;
    case 'expose':
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const spec of args.map(expand)) for (const port of exposedPorts(spec)) c.ExposedPorts[port] = {};
      break;
    case 'user':
      c.User = expand(args[0] ?? '');
      break;
    case 'volume':
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of args.map(expand)) {
        if (v.trim() === '') throw new DrydockError('invalid-argument', 'VOLUME specified can not be an empty string');
        c.Volumes[v] = {};
      }
      break;
    case 'workdir': {
      const dir = expand(args[0] ?? '');
      c.WorkingDir = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join(c.WorkingDir || '/', dir);
      break;
    }
    case 'onbuild': {
      const trigger = node.next?.children[0];
      const name = trigger?.value.toUpperCase() ?? '';
      if (name === 'ONBUILD') throw new DrydockError('invalid-argument', "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (name === 'FROM' || name === 'MAINTAINER') throw new DrydockError('invalid-argument', `${name} isn't allowed as an ONBUILD trigger`);
      const original = node.original.replace(/^\s*onbuild\s+/i, '');
      c.OnBuild = [...(c.OnBuild ?? []), original];
      break;
    }
    case 'stopsignal': {
      const signal = expand(args[0] ?? '');
      if (!/^(SIG)?[A-Z0-9+-]+$/i.test(signal)) throw new DrydockError('invalid-argument', `Invalid signal: ${signal}`);
      c.StopSignal = signal;
      break;
    }
    default:
      throw new DrydockError('invalid-argument', `${node.value.toLowerCase()} is not a valid change command`);
  }
}

/** Exec form as written; shell form wrapped in the config's SHELL (default /bin/sh -c). */
function commandLine(node: Node, c: ContainerConfig): string[] {
  const args = nodeArgs(node);
  if (node.attributes.json) return args;
  return [...(c.Shell && c.Shell.length > 0 ? c.Shell : ['/bin/sh', '-c']), args.join(' ')];
}

function setEnv(c: ContainerConfig, key: string, value: string): void {
  const env = [...(c.Env ?? [])];
  const i = env.findIndex((e) => e.slice(0, e.indexOf('=')) === key);
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  c.Env = env;
}

/** `80`, `80/udp`, `8000-8002/tcp` → Docker's port keys (nat.ParsePortSpecs). */
function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new DrydockError('invalid-argument', `Invalid containerPort: ${spec}`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (end < start || end > 65535) throw new DrydockError('invalid-argument', `Invalid range specified for the Port: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${proto}`);
}
