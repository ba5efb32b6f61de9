import { existsSync } from 'node:fs';
import { beforeAll, afterEach, describe, expect, it } from 'vitest';
import { NetnsManager } from '../../src/network/netns.js';
import { requireNetworkTools, hex, sh } from './helpers.js';

beforeAll(requireNetworkTools);

describe('NetnsManager (root)', () => {
  const ns = new NetnsManager({ prefix: `ddtest-${hex(3)}-` });
  afterEach(async () => {
    for (const id of ns.list()) await ns.remove(id);
  });

  it('creates a named namespace with only lo, refuses a second one, and deletes idempotently', async () => {
    const path = await ns.create('a1');
    expect(path).toBe(`/run/netns/${ns.prefix}a1`);
    expect(existsSync(path)).toBe(true);
    expect(sh('ip', ['-n', ns.nameFor('a1'), '-o', 'link']).trim().split('\n')).toHaveLength(1);
    await expect(ns.create('a1')).rejects.toThrow(`network namespace ${ns.prefix}a1 already exists`);
    await ns.linkUp('a1');
    expect(sh('ip', ['-n', ns.nameFor('a1'), 'link', 'show', 'lo'])).toContain('LOWER_UP');
    expect(await ns.remove('a1')).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(await ns.remove('a1')).toBe(false);
  });

  it('lists its own namespaces and the stale ones', async () => {
    await ns.create('live');
    await ns.create('dead');
    expect(ns.list().sort()).toEqual(['dead', 'live']);
    expect(ns.stale(['live', 'other'])).toEqual(['dead']);
  });

  it('refuses IDs that are not safe names', async () => {
    await expect(ns.create('../etc')).rejects.toThrow('invalid container ID "../etc"');
    expect(() => ns.pathFor('a/b')).toThrow(/invalid container ID/);
  });
});
