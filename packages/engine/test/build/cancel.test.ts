import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDrydockError } from '../../src/errors.js';
import type { EngineEvent } from '../../src/events.js';
import { tempEngine, type TempEngine } from '../helpers/fixtures.js';
import { BUSYBOX_TAR } from '../runtime/helpers.js';

/** A build's abort signal (OperationContext.signal): the running step's container is killed and nothing is tagged. */
describe('build cancel', () => {
  let t: TempEngine;
  beforeAll(async () => {
    if (!existsSync(BUSYBOX_TAR)) throw new Error(`missing fixture ${BUSYBOX_TAR} (scripts/peers.sh builds it)`);
    t = tempEngine();
    await t.engine.importImage({ actor: 'test' }, createReadStream(BUSYBOX_TAR), { source: BUSYBOX_TAR, ref: 'busybox:latest' });
  });
  afterAll(() => t?.cleanup());

  const dockerfile = (text: string) => ({ stream: Readable.from([Buffer.from(text)]) });

  // (The step sleeps 300 s, past the test timeout: it ends only because the container is killed.)
  it('kills a sleeping RUN step when the signal fires and tags nothing', async () => {
    const abort = new AbortController();
    const events: EngineEvent[] = [];
    const onEvent = (e: EngineEvent) => {
      events.push(e);
      if (e.type === 'engine:build:log' && e.text.includes('sleeping')) abort.abort();
    };
    const err = await t.engine
      .build({ actor: 'test', onEvent, signal: abort.signal }, { tags: ['cancelled:1'], context: dockerfile('FROM busybox:latest\nRUN echo sleeping && sleep 300 && echo woke\n') })
      .then(() => undefined, (e: unknown) => e);
    expect(isDrydockError(err, 'cancelled')).toBe(true);
    expect(events.some((e) => e.type === 'engine:build:log' && e.text.includes('woke'))).toBe(false);
    expect(events.filter((e) => e.type === 'engine:build:failed').map((e) => (e as { step: number }).step)).toEqual([2]);
    expect(() => t.engine.resolve('cancelled:1')).toThrow();
    expect(readdirSync(`${t.root}/tmp`)).toEqual([]);
  });

  it('runs no step when the signal fired before the build started', async () => {
    const err = await t.engine
      .build({ actor: 'test', signal: AbortSignal.abort() }, { tags: ['never:1'], context: dockerfile('FROM busybox:latest\nRUN echo hi > /hi\n') })
      .then(() => undefined, (e: unknown) => e);
    expect(isDrydockError(err, 'cancelled')).toBe(true);
    expect(() => t.engine.resolve('never:1')).toThrow();
  });
});
