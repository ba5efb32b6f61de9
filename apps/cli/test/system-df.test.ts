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
});
