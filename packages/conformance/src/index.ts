/**
 * @streamerson/conformance — the engine contract of `@streamerson/core` as one
 * `node:test` suite. Every engine runs it unchanged; a failure is a difference
 * from Redis 7.0 Streams semantics in the engine under test.
 */
import { after, before, describe } from 'node:test';
import { connect, type Engine } from '@streamerson/core';
import { adminTests } from './admin.js';
import { appendTests } from './append.js';
import { blockingTests } from './blocking.js';
import { claimTests } from './claim.js';
import type { ConformanceTarget, SuiteContext } from './context.js';
import { uniqueStream } from './context.js';
import { fencingTests } from './fencing.js';
import { groupTests } from './groups.js';
import { lifecycleTests } from './lifecycle.js';
import { readTests } from './read.js';

export type { ConformanceTarget, SuiteContext } from './context.js';
export { keySlot, spreadNames } from './slots.js';

/**
 * Registers the conformance suite as a `describe(name)` block. `setup` runs once
 * before the tests and provides the engine URL (and what to stop afterwards);
 * the tests share one engine made with `connect(url)` and use unique stream
 * names, so they never see each other's data.
 */
export function engineConformance(name: string, setup: () => Promise<ConformanceTarget>): void {
  let target: ConformanceTarget | undefined;
  let engine: Engine | undefined;
  const ctx: SuiteContext = {
    get target(): ConformanceTarget {
      if (target === undefined) throw new Error('conformance target used before setup');
      return target;
    },
    get engine(): Engine {
      if (engine === undefined) throw new Error('conformance engine used before setup');
      return engine;
    },
    name: (prefix = 'conf') => uniqueStream(prefix),
  };
  describe(name, () => {
    before(async () => {
      target = await setup();
      engine = target.open === undefined ? await connect(target.url) : await target.open();
    });
    after(async () => {
      await engine?.close();
      await target?.teardown();
    });
    appendTests(ctx);
    readTests(ctx);
    blockingTests(ctx);
    groupTests(ctx);
    claimTests(ctx);
    adminTests(ctx);
    fencingTests(ctx);
    lifecycleTests(ctx);
  });
}
