import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { connect, type Engine } from '@streamerson/core';
import { checkLifecycle } from '@streamerson/testkit';
import { ids, rejectsWithCode, it, type SuiteContext } from './context.js';

/** Kind and URL, close/destroy, `await using`, two engines on one URL. */
export function lifecycleTests(ctx: SuiteContext): void {
  describe('lifecycle', () => {
    it('reports its kind, capabilities and URL', () => {
      assert.match(ctx.engine.kind, /^[a-z][a-z0-9-]*$/);
      const { multiStreamBlockingRead, persistent, shared } = ctx.engine.capabilities;
      for (const c of [multiStreamBlockingRead, persistent, shared]) assert.equal(typeof c, 'boolean');
      assert.ok(Object.isFrozen(ctx.engine.capabilities));
      assert.equal(ctx.engine.url, ctx.target.url);
    });

    it('follows the lifecycle contract (start, drain, close, destroy, closed, stats, await using)', async () => {
      await checkLifecycle(() => connect(ctx.target.url));
    });

    it('stats() counts the open readers', async () => {
      const engine = await connect(ctx.target.url);
      const reader = engine.openReader();
      assert.equal(engine.stats().readers, 1);
      await reader.close();
      assert.equal(engine.stats().readers, 0);
      await engine.close();
    });

    it('after close() every operation rejects with ERR_STREAMERSON_CLOSED; close is idempotent', async () => {
      const engine = await connect(ctx.target.url);
      const s = ctx.name();
      await engine.append(s, ['k', 'v']);
      await engine.close();
      await engine.close();
      engine.destroy();
      await rejectsWithCode(engine.append(s, ['k', 'v']), 'ERR_STREAMERSON_CLOSED');
      await rejectsWithCode(engine.appendBatch([{ stream: s, fields: ['k', 'v'] }]), 'ERR_STREAMERSON_CLOSED');
      await rejectsWithCode(engine.read([{ stream: s, after: '0-0' }]), 'ERR_STREAMERSON_CLOSED');
      await rejectsWithCode(engine.range(s, '-', '+'), 'ERR_STREAMERSON_CLOSED');
      await rejectsWithCode(engine.length(s), 'ERR_STREAMERSON_CLOSED');
      await rejectsWithCode(engine.createGroup(s, 'g'), 'ERR_STREAMERSON_CLOSED');
      await rejectsWithCode(engine.info(s), 'ERR_STREAMERSON_CLOSED');
      await rejectsWithCode(engine.listStreams(s), 'ERR_STREAMERSON_CLOSED');
      assert.equal(await ctx.engine.length(s), 1, 'other engines are unaffected');
    });

    it('after destroy() operations reject with ERR_STREAMERSON_CLOSED', async () => {
      const engine = await connect(ctx.target.url);
      engine.destroy();
      engine.destroy();
      await rejectsWithCode(engine.append(ctx.name(), ['k', 'v']), 'ERR_STREAMERSON_CLOSED');
      await engine.close();
    });

    it('await using closes the engine at the end of the block', async () => {
      const s = ctx.name();
      let used: Engine | undefined;
      {
        await using engine = await connect(ctx.target.url);
        used = engine;
        await engine.append(s, ['k', 'v']);
      }
      await rejectsWithCode(used.append(s, ['k', 'v']), 'ERR_STREAMERSON_CLOSED');
      assert.equal(await ctx.engine.length(s), 1);
    });

    it("two engines on the same URL see each other's writes and groups", async () => {
      const other = await connect(ctx.target.url);
      try {
        const s = ctx.name();
        const id = await ctx.engine.append(s, ['k', 'v']);
        assert.deepEqual(ids(await other.range(s, '-', '+')), [id]);
        await other.createGroup(s, 'g', '0');
        const got = await ctx.engine.readGroup('g', 'c', [{ stream: s, after: '>' }]);
        assert.deepEqual(ids(got[0]!.entries), [id]);
        assert.equal((await other.pendingSummary(s, 'g')).count, 1);
        const second = await other.append(s, ['k', 'w']);
        assert.equal(await ctx.engine.lastId(s), second);
      } finally {
        await other.close();
      }
    });
  });
}
