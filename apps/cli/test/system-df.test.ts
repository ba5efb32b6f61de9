import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxTar, cliSandbox } from './helpers/cli.js';

/** `system df` over a store of its own: what containers take, and which images they keep in use. */
const box = cliSandbox();
const image = 'drydock-df/busybox:1';

/** Type → [total, active, size, reclaimable] as printed. */
function df(): Map<string, string[]> {
  const out = box.run(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}']).stdout;
  return new Map(out.trimEnd().split('\n').map((l) => {
    const [type = '', ...rest] = l.split('|');
    return [type, rest];
  }));
}

beforeAll(() => {
  expect(box.run(['import', busyboxTar, image]).status).toBe(0);
  expect(box.run(['import', '-m', 'unused', busyboxTar, 'drydock-df/unused:1']).status).toBe(0);
});

afterAll(() => {
  for (const c of box.run(['ps', '-a', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean)) box.run(['rm', '-f', c]);
  box.cleanup();
});

describe('system df', () => {
  it('counts containers, their writable layers and the images they use', () => {
    // Two images share one layer: the size counts it once, and nothing is in use.
    const before = df();
    expect(before.get('Images')?.slice(0, 2)).toEqual(['2', '0']);
    expect(before.get('Images')?.[3]).toBe(`${before.get('Images')?.[2]} (100%)`);
    expect(before.get('Containers')).toEqual(['0', '0', '0B', '0B']);

    expect(box.run(['run', '--name', 'writer', '--network', 'none', image, 'sh', '-c', 'head -c 300000 /dev/zero > /f']).status).toBe(0);
    expect(box.run(['run', '-d', '--name', 'sleeper', '--network', 'none', image, 'sleep', '300']).status).toBe(0);
    const after = df();
    // The stopped writer's 300 kB are reclaimable; the running sleeper's nothing is not.
    expect(after.get('Containers')).toEqual(['2', '1', '300kB', '300kB (100%)']);
    // One image is in use, but its only layer is shared with the other: all of it stays reclaimable.
    expect(after.get('Images')).toEqual(['2', '1', before.get('Images')?.[2], `${before.get('Images')?.[2]} (100%)`]);
    // Once the layer is the used image's alone, none of it is.
    expect(box.run(['rmi', 'drydock-df/unused:1']).status).toBe(0);
    expect(df().get('Images')).toEqual(['1', '1', before.get('Images')?.[2], '0B (0%)']);
  });

  it('counts a build\'s cached steps as the build cache, not as images', () => {
    const ctx = mkdtempSync(join(tmpdir(), 'drydock-df-ctx-'));
    try {
      writeFileSync(join(ctx, 'Dockerfile'), `FROM ${image}\nRUN head -c 200000 /dev/zero > /one\nRUN echo two > /two\n`);
      expect(box.run(['build', '-q', '-t', 'drydock-df/built:1', ctx]).status).toBe(0);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
    const built = df();
    expect(built.get('Images')?.slice(0, 2)).toEqual(['2', '1']); // the intermediate step's image is not one
    expect(built.get('Build Cache')).toEqual(['2', '0', '0B', '0B']);
    // Its layers are all the built image's too, so the cache's own size is nothing; prune forgets the steps.
    expect(box.run(['builder', 'prune', '-f']).status).toBe(0);
    expect(df().get('Build Cache')).toEqual(['0', '0', '0B', '0B']);
  });
});
