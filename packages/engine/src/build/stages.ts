import { DrydockError } from '../errors.js';
import type { Node } from '../dockerfile/parser/node.js';

/** One `FROM … [AS name]` and the instructions under it. */
export interface Stage {
  index: number;
  /** The `AS` name, lowercased (BuildKit compares stage names case-insensitively). */
  name?: string;
  /** The FROM argument as written (ARGs not yet expanded). */
  base: string;
  from: Node;
  instructions: Node[];
}

export interface StagePlan {
  /** ARG instructions before the first FROM: usable in FROM lines, and by stages that redeclare them. */
  globalArgs: Node[];
  stages: Stage[];
}

/** Splits a parsed Dockerfile into stages (BuildKit's instructions.Parse, the part we need). */
export function planStages(ast: Node, fileName = 'Dockerfile'): StagePlan {
  const globalArgs: Node[] = [];
  const stages: Stage[] = [];
  for (const node of ast.children) {
    const cmd = node.value.toLowerCase();
    if (cmd === 'from') {
      const args = words(node);
      const base = args[0];
      if (!base) throw located(fileName, node, 'FROM requires either one or three arguments');
      let name: string | undefined;
      if (args.length === 3 && args[1]!.toLowerCase() === 'as') name = args[2]!.toLowerCase();
      else if (args.length !== 1) throw located(fileName, node, 'FROM requires either one or three arguments');
      if (name !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(name)) throw located(fileName, node, `invalid name for build stage: "${name}", name can't start with a number or contain symbols`);
      if (name !== undefined && stages.some((s) => s.name === name)) throw located(fileName, node, `duplicate stage name "${name}"`);
      stages.push({ index: stages.length, ...(name !== undefined ? { name } : {}), base, from: node, instructions: [] });
    } else if (stages.length === 0) {
      if (cmd !== 'arg') throw located(fileName, node, 'no build stage in current context');
      globalArgs.push(node);
    } else {
      stages[stages.length - 1]!.instructions.push(node);
    }
  }
  if (stages.length === 0) throw new DrydockError('invalid-argument', `${fileName}: no build stage in current context`);
  return { globalArgs, stages };
}

/** The stage a name or index refers to, if any. */
export function findStage(plan: StagePlan, ref: string): Stage | undefined {
  const lower = ref.toLowerCase();
  const byName = plan.stages.find((s) => s.name === lower);
  if (byName) return byName;
  return /^\d+$/.test(ref) ? plan.stages[Number(ref)] : undefined;
}

/**
 * The stages the target needs, in build order: the target and, transitively,
 * every stage it uses as a base or copies from. Others are never built.
 */
export function stagesFor(plan: StagePlan, target: string | undefined, baseOf: (stage: Stage) => string): Stage[] {
  const last = plan.stages[plan.stages.length - 1]!;
  const goal = target === undefined ? last : findStage(plan, target);
  if (!goal) throw new DrydockError('invalid-argument', `failed to reach build target ${target} in Dockerfile`);
  const needed = new Set<number>();
  const visit = (stage: Stage) => {
    if (needed.has(stage.index)) return;
    needed.add(stage.index);
    const base = findStage(plan, baseOf(stage));
    if (base && base.index < stage.index) visit(base);
    for (const node of stage.instructions) {
      for (const from of stageReferences(node)) {
        const dep = findStage(plan, from);
        if (dep && dep.index < stage.index) visit(dep);
      }
    }
  };
  visit(goal);
  return plan.stages.filter((s) => needed.has(s.index));
}

/** What an instruction reads from other stages: `COPY --from=`, and `RUN --mount=…,from=`. */
function stageReferences(node: Node): string[] {
  return node.flags.flatMap((f) => {
    if (f.startsWith('--from=')) return [f.slice('--from='.length)];
    if (f.startsWith('--mount=')) return [...f.matchAll(/(?:^|,|=)from=([^,]+)/g)].map((m) => m[1]!.replace(/^"|"$/g, ''));
    return [];
  });
}

function words(node: Node): string[] {
  const out: string[] = [];
  for (let n = node.next; n !== null; n = n.next) out.push(n.value);
  return out;
}

function located(fileName: string, node: Node, message: string): DrydockError {
  return new DrydockError('invalid-argument', `${fileName}:${node.startLine}: ${message}`);
}
