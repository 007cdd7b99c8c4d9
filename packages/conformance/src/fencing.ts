import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { auxKey, FencedError, requireFencing, type Engine, type Fencing } from '@streamerson/core';
import { waitFor } from '@streamerson/testkit';
import { fill, ids, it, rejectsWithCode, text, type SuiteContext } from './context.js';

/** A lease and the keys of its slot: a changelog, a command stream and a hash. */
function shard(ctx: SuiteContext): { lease: string; log: string; commands: string; hash: string; engine: Engine & Fencing } {
  const commands = ctx.name('fence');
  return {
    commands,
    lease: auxKey(commands, 'lease'),
    log: auxKey(commands, 'log'),
    hash: auxKey(commands, 'state'),
    engine: requireFencing(ctx.engine, 'the conformance suite'),
  };
}

/** Leases with fencing epochs, fenced writes and hashes. */
export function fencingTests(ctx: SuiteContext): void {
  describe('leases', () => {
    it('one holder at a time; a holder renews at its epoch; every other acquisition raises the epoch', async () => {
      const { engine, lease } = shard(ctx);
      assert.deepEqual(await engine.leaseState(lease), { owner: null, epoch: 0, remainingMs: 0 });
      const a = await engine.acquireLease(lease, 'a', 10_000);
      assert.deepEqual({ ...a, remainingMs: 0 }, { acquired: true, owner: 'a', epoch: 1, remainingMs: 0 });
      const b = await engine.acquireLease(lease, 'b', 10_000);
      assert.equal(b.acquired, false);
      assert.equal(b.owner, 'a');
      assert.equal(b.epoch, 1);
      assert.ok(b.remainingMs > 5_000 && b.remainingMs <= 10_000, `remaining ${b.remainingMs}`);
      assert.equal((await engine.acquireLease(lease, 'a', 10_000)).epoch, 1, 'the holder keeps its epoch');
      assert.equal(await engine.releaseLease(lease, 'b', 1), false, 'only the holder releases');
      assert.equal(await engine.releaseLease(lease, 'a', 1), true);
      assert.deepEqual(await engine.leaseState(lease), { owner: null, epoch: 1, remainingMs: 0 });
      assert.equal(await engine.releaseLease(lease, 'a', 1), false, 'released already');
      const b2 = await engine.acquireLease(lease, 'b', 10_000);
      assert.deepEqual([b2.acquired, b2.owner, b2.epoch], [true, 'b', 2]);
      const a2 = await engine.acquireLease(lease, 'a', 10_000);
      assert.deepEqual([a2.acquired, a2.owner, a2.epoch], [false, 'b', 2]);
    });

    it('an expired lease goes to the next acquirer at a new epoch; its old holder can renew it no more', async () => {
      const { engine, lease } = shard(ctx);
      await engine.acquireLease(lease, 'a', 150);
      await waitFor(async () => (await engine.leaseState(lease)).owner === null, { what: 'the lease to expire' });
      assert.equal(await engine.renewLease(lease, 'a', 1, 10_000), true, 'expired, but nobody took it: the holder renews');
      assert.equal((await engine.leaseState(lease)).owner, 'a');
      await engine.renewLease(lease, 'a', 1, 100);
      await waitFor(async () => (await engine.acquireLease(lease, 'b', 10_000)).acquired, { what: 'b to take the expired lease' });
      assert.equal((await engine.leaseState(lease)).epoch, 2);
      assert.equal(await engine.renewLease(lease, 'a', 1, 10_000), false);
      assert.equal(await engine.renewLease(lease, 'b', 2, 10_000), true);
      assert.equal(await engine.renewLease(lease, 'b', 1, 10_000), false, 'a wrong epoch');
    });

    it('a holder acquiring again after its own lease expired gets a new epoch', async () => {
      const { engine, lease } = shard(ctx);
      await engine.acquireLease(lease, 'a', 100);
      await waitFor(async () => (await engine.leaseState(lease)).owner === null, { what: 'the lease to expire' });
      const again = await engine.acquireLease(lease, 'a', 10_000);
      assert.deepEqual([again.acquired, again.epoch], [true, 2]);
    });

    it('rejects bad arguments with INVALID_OPTION', async () => {
      const { engine, lease } = shard(ctx);
      await rejectsWithCode(engine.acquireLease(lease, '', 1_000), 'ERR_STREAMERSON_INVALID_OPTION');
      await rejectsWithCode(engine.acquireLease(lease, 'a', 0), 'ERR_STREAMERSON_INVALID_OPTION');
      await rejectsWithCode(engine.renewLease(lease, 'a', 0, 1_000), 'ERR_STREAMERSON_INVALID_OPTION');
      await rejectsWithCode(engine.acquireLease('', 'a', 1_000), 'ERR_STREAMERSON_INVALID_OPTION');
    });
  });

  describe('fenced writes', () => {
    it('applies appends, acks and hash changes together while the lease is held', async () => {
      const { engine, lease, log, commands, hash } = shard(ctx);
      await engine.createGroup(commands, 'w', '0');
      const written = await fill(engine, commands, 3);
      await engine.readGroup('w', 'c', [{ stream: commands, after: '>' }]);
      const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
      const result = await engine.fencedWrite({
        lease,
        owner: 'a',
        epoch,
        appends: [
          { stream: log, fields: ['k', 'x'] },
          { stream: log, fields: ['k', 'y'], retention: { maxLen: 100 } },
        ],
        acks: [{ stream: commands, group: 'w', ids: written.slice(0, 2) }],
        hashes: [
          {
            key: hash,
            set: [
              ['x', '1'],
              ['y', Buffer.from([0, 255])],
              ['z', '3'],
            ],
            delete: ['z'],
          },
        ],
      });
      assert.deepEqual(ids(await engine.range(log, '-', '+')), result.ids);
      assert.deepEqual(
        (await engine.range(log, '-', '+')).map((e) => text(e).fields),
        [
          ['k', 'x'],
          ['k', 'y'],
        ],
      );
      assert.equal((await engine.pendingSummary(commands, 'w')).count, 1);
      assert.deepEqual(await engine.hashGet(hash, ['x', 'y', 'z']), [Buffer.from('1'), Buffer.from([0, 255]), null]);
      assert.equal(await engine.hashLength(hash), 2);
    });

    it('refuses a write at a stale epoch with FENCED and writes none of it', async () => {
      const { engine, lease, log, commands, hash } = shard(ctx);
      await engine.createGroup(commands, 'w', '0');
      const [entry] = await fill(engine, commands, 1);
      await engine.readGroup('w', 'c', [{ stream: commands, after: '>' }]);
      const old = await engine.acquireLease(lease, 'a', 100);
      await waitFor(async () => (await engine.acquireLease(lease, 'b', 10_000)).acquired, { what: 'b to take over' });
      const zombie = {
        lease,
        owner: 'a',
        epoch: old.epoch,
        appends: [{ stream: log, fields: ['k', 'zombie'] }],
        acks: [{ stream: commands, group: 'w', ids: [entry!] }],
        hashes: [{ key: hash, set: [['k', 'zombie']] as [string, string][] }],
        followUps: [{ stream: ctx.name('reply'), fields: ['r', 'zombie'] }],
      };
      await assert.rejects(engine.fencedWrite(zombie), (error: unknown) => {
        assert.ok(error instanceof FencedError);
        assert.equal(error.code, 'ERR_STREAMERSON_FENCED');
        assert.deepEqual(error.current, { owner: 'b', epoch: old.epoch + 1 });
        return true;
      });
      assert.equal(await engine.length(log), 0);
      assert.equal((await engine.pendingSummary(commands, 'w')).count, 1);
      assert.equal(await engine.hashLength(hash), 0);
      assert.equal(await engine.length(zombie.followUps[0]!.stream), 0);
      // The same owner at the new epoch would not pass either, nor anyone after a release.
      await rejectsWithCode(engine.fencedWrite({ ...zombie, owner: 'a', epoch: old.epoch + 1 }), 'ERR_STREAMERSON_FENCED');
      await engine.releaseLease(lease, 'b', old.epoch + 1);
      await rejectsWithCode(engine.fencedWrite({ ...zombie, owner: 'b', epoch: old.epoch + 1 }), 'ERR_STREAMERSON_FENCED');
      await rejectsWithCode(engine.fencedWrite({ ...zombie, lease: auxKey(commands, 'never') }), 'ERR_STREAMERSON_FENCED');
    });

    it('an expired lease that nobody took still lets its holder write', async () => {
      const { engine, lease, log } = shard(ctx);
      const { epoch } = await engine.acquireLease(lease, 'a', 100);
      await waitFor(async () => (await engine.leaseState(lease)).owner === null, { what: 'the lease to expire' });
      await engine.fencedWrite({ lease, owner: 'a', epoch, appends: [{ stream: log, fields: ['k', 'late'] }] });
      assert.equal(await engine.length(log), 1);
    });

    it('makes follow-ups anywhere after the fenced part; a follow-up to a missing stream with noMkStream is skipped', async () => {
      const { engine, lease, log } = shard(ctx);
      const reply = ctx.name('reply');
      const gone = ctx.name('gone');
      await fill(engine, reply, 1);
      const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
      const result = await engine.fencedWrite({
        lease,
        owner: 'a',
        epoch,
        appends: [{ stream: log, fields: ['k', 'v'], noMkStream: true }],
        followUps: [
          { stream: reply, fields: ['r', '1'], noMkStream: true },
          { stream: gone, fields: ['r', '2'], noMkStream: true },
        ],
      });
      assert.deepEqual(result.ids, [null], 'noMkStream on the missing log');
      assert.equal(result.followUpError, undefined);
      assert.equal(typeof engine.followUpsAtomic, 'boolean', 'the engine says whether follow-ups are in the atomic step');
      assert.deepEqual(
        (await engine.range(reply, '-', '+')).map((e) => text(e).fields),
        [
          ['i', '0'],
          ['r', '1'],
        ],
      );
      assert.equal(await engine.info(gone), null);
    });

    it('splits long ack and hash lists (3,000 of each in one write)', async () => {
      const { engine, lease, commands, hash } = shard(ctx);
      await engine.createGroup(commands, 'w', '0');
      const written = await fill(engine, commands, 3_000);
      for (;;) {
        const got = await engine.readGroup('w', 'c', [{ stream: commands, after: '>' }], { count: 1_000 });
        if (got.length === 0 || got[0]!.entries.length === 0) break;
      }
      const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
      const set = written.map((id, i): [string, string] => [`k${i}`, id]);
      await engine.fencedWrite({ lease, owner: 'a', epoch, acks: [{ stream: commands, group: 'w', ids: written }], hashes: [{ key: hash, set }] });
      assert.equal((await engine.pendingSummary(commands, 'w')).count, 0);
      assert.equal(await engine.hashLength(hash), 3_000);
      assert.deepEqual((await engine.hashGet(hash, ['k2999']))[0]?.toString(), written[2_999]);
    });

    it('rejects explicit ids with INVALID_OPTION and writes nothing', async () => {
      const { engine, lease, log } = shard(ctx);
      const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
      await rejectsWithCode(
        engine.fencedWrite({
          lease,
          owner: 'a',
          epoch,
          appends: [
            { stream: log, fields: ['k', '1'] },
            { stream: log, fields: ['k', '2'], id: '5-0' },
          ],
        }),
        'ERR_STREAMERSON_INVALID_OPTION',
      );
      assert.equal(await engine.length(log), 0);
    });
  });

  describe('hashes', () => {
    it('hashScan returns every field of a hash page by page', async () => {
      const { engine, lease, hash } = shard(ctx);
      const { epoch } = await engine.acquireLease(lease, 'a', 10_000);
      const set = Array.from({ length: 2_500 }, (_, i): [string, string] => [`f${i}`, `v${i}`]);
      await engine.fencedWrite({ lease, owner: 'a', epoch, hashes: [{ key: hash, set }] });
      const seen = new Map<string, string>();
      let cursor = '0';
      let pages = 0;
      do {
        const page = await engine.hashScan(hash, cursor, 200);
        for (const [f, v] of page.entries) seen.set(f, v.toString());
        cursor = page.cursor;
        pages++;
      } while (cursor !== '0');
      assert.ok(pages > 1, 'more than one page');
      assert.deepEqual(new Map(set), seen);
      assert.deepEqual(await engine.hashScan(auxKey(hash, 'missing'), '0', 10), { cursor: '0', entries: [] });
      await rejectsWithCode(engine.hashScan(hash, 'nope', 10), 'ERR_STREAMERSON_INVALID_OPTION');
      assert.equal(await engine.hashDelete(hash), true);
      assert.equal(await engine.hashDelete(hash), false);
      assert.equal(await engine.hashLength(hash), 0);
      assert.deepEqual(await engine.hashGet(hash, ['f1']), [null]);
    });
  });
}
