import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles } from '../../../tooling/test/source-files.js';

const repo = join(import.meta.dirname, '../../..');
const external = (file: string) => importsOf(file).filter((s) => !s.startsWith('.'));

describe('dependency direction', () => {
  it('the protocol imports nothing but zod (hub, agent and browser can all load it)', () => {
    for (const file of sourceFiles(join(repo, 'packages/protocol/src'))) {
      expect(external(file).filter((s) => s !== 'zod'), file).toEqual([]);
    }
  });

  it('the agent uses the engine and the protocol, never the hub', () => {
    const allowed = /^(node:|@drydock\/(engine|engine\/changes|protocol)$|socket\.io-client$|better-sqlite3$)/;
    for (const file of sourceFiles(join(repo, 'apps/agent/src'))) {
      expect(external(file).filter((s) => !allowed.test(s)), file).toEqual([]);
    }
  });
});
