/**
 * Writers coming and going, one body for every engine: crash and takeover,
 * hand-off, fencing, snapshots and recovery, eviction, bad input, readers
 * that lag.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, encodeMessage, hasFencing, type Engine, type Fencing } from '@streamerson/core';
import { Client } from '@streamerson/service';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { MachineClient, StateReader, StateWriter, shardKeys, shardOf, type CommandError, type StateWriterOptions } from '../src/index.js';
import { bankMachine, type Account } from './bank.js';

type Bank = ReturnType<typeof bankMachine>;

const FAST: StateWriterOptions = { leaseTtlMs: 1_500, blockMs: 50, claimIntervalMs: 100 };

export function writerSuite(name: string, target: () => Promise<{ url: string; stop(): Promise<void> }>): void {
  describe(name, () => {
    let stop: () => Promise<void>;
    let url: string;
    let engine: Engine & Fencing;
    const closing: { close(): Promise<void> }[] = [];
    const track = <T extends { close(): Promise<void> }>(x: T): T => {
      closing.push(x);
      return x;
    };

    before(async () => {
      const t = await target();
      stop = () => t.stop();
      url = t.url;
      const e = await connect(url);
      assert.ok(hasFencing(e));
      engine = e;
    });
    after(async () => {
      for (const x of closing.reverse()) await x.close();
      await engine.close();
      await stop();
    });

    const writer = (bank: Bank, options: StateWriterOptions = {}) => track(new StateWriter(engine, bank, { ...FAST, ...options }));
    const client = (bank: Bank) => track(new MachineClient(engine, bank, { timeout: 5_000, leaseCheckMs: 0 }));

    it('a standby takes the shards of a crashed writer once its lease expired; a drained writer hands off at once', async () => {
      const bank = bankMachine(uniqueName('bank'), 3);
      const a = writer(bank, { id: 'a' });
      await a.start();
      const b = writer(bank, { id: 'b', leaseTtlMs: 10_000 });
      await b.start();
      assert.deepEqual([a.shards, b.shards], [[0, 1, 2], []]);
      const c = client(bank);
      for (const k of ['k1', 'k2', 'k3', 'k4']) await c.send(k, 'open', { balance: 10 });
      a.destroy();
      const crashedAt = Date.now();
      await waitFor(() => b.shards.length === 3, { timeoutMs: 10_000, what: 'b to take every shard' });
      assert.ok(Date.now() - crashedAt < 1_500 + 10_000 / 3 + 1_000, 'within the lease time and a renewal');
      for (const k of ['k1', 'k2', 'k3', 'k4']) assert.deepEqual((await c.send(k, 'deposit', { amount: 1 })).version, 2, `${k} continues at its version`);
      const d = writer(bank, { id: 'd', leaseTtlMs: 60_000, renewIntervalMs: 20_000 });
      await d.start();
      const handedAt = Date.now();
      await b.drain();
      await waitFor(() => d.shards.length === 3, { timeoutMs: 5_000, what: 'd to take the handed-off shards' });
      assert.ok(Date.now() - handedAt < 5_000, 'at once, not after a lease time or renewal (20 s)');
      assert.equal((await c.send('k1', 'deposit', { amount: 1 })).version, 3);
      await d.drain();
    });

    it('a writer whose lease was taken is fenced: its write is refused, it lets the shard go, nothing it wrote after is stored', async () => {
      const bank = bankMachine(uniqueName('bank'), 1);
      const keys = shardKeys(bank, 0);
      const w = writer(bank, { id: 'old', leaseTtlMs: 60_000, renewIntervalMs: 30_000 });
      const lost: number[] = [];
      w.on('lost', (shard) => lost.push(shard));
      await w.start();
      const c = client(bank);
      await c.send('acct', 'open', { balance: 5 });
      const { epoch } = await engine.leaseState(keys.lease);
      // Another process takes the lease, as if `old` had been paused past it.
      assert.ok(await engine.releaseLease(keys.lease, 'old', epoch));
      const thief = await engine.acquireLease(keys.lease, 'new', 60_000);
      assert.equal(thief.epoch, epoch + 1);
      const logBefore = await engine.length(keys.changelog);
      const sent = c.send('acct', 'deposit', { amount: 1 }, { timeout: 10_000 });
      await waitFor(() => lost.length === 1, { what: 'the old writer to be fenced' });
      assert.deepEqual(w.shards, []);
      assert.equal(await engine.length(keys.changelog), logBefore, 'nothing stored after the lease was lost');
      // The new owner runs the command the fenced writer read: once.
      const heir = writer(bank, { id: 'new', leaseTtlMs: 60_000 });
      await heir.start();
      assert.deepEqual(await sent, { key: 'acct', version: 2, state: { balance: 6, open: true } });
      assert.equal(await engine.length(keys.changelog), logBefore + 1);
      await heir.drain();
    });

    it('recovers from the snapshot and the changelog after it; trims the changelog behind the snapshots', async () => {
      const bank = bankMachine(uniqueName('bank'), 2);
      const w1 = writer(bank, { snapshotEvery: 7, dedupeWindowMs: 1, maxDedupe: 5 });
      await w1.start();
      const c = client(bank);
      const keys = Array.from({ length: 12 }, (_, i) => `acct-${i}`);
      for (const k of keys) await c.send(k, 'open', { balance: 100 });
      for (let i = 0; i < 40; i++) await c.send(keys[i % keys.length]!, 'deposit', { amount: 1 });
      const expected = new Map<string, Account>();
      for (let i = 0; i < keys.length; i++)
        expected.set(keys[i]!, { balance: 100 + Math.floor(40 / keys.length) + (i < 40 % keys.length ? 1 : 0), open: true });
      assert.ok(w1.stats().snapshots >= 4, `snapshots ${w1.stats().snapshots}`);
      await w1.destroy();
      // The writer marks how far its changelog may go (approximate trimming on Redis keeps whole
      // nodes): trimmed exactly to that mark, nothing a recovery needs is lost.
      let kept = 0;
      for (const shard of [0, 1]) {
        const { meta, changelog } = shardKeys(bank, shard);
        const [mark] = await engine.hashGet(meta, ['trimmed']);
        assert.match(String(mark), /^[1-9]\d*-\d+$/, `shard ${shard} marked a trim point`);
        await engine.trim(changelog, { minId: String(mark), approximate: false });
        kept += await engine.length(changelog);
      }
      assert.ok(kept < keys.length + 40, `the changelogs hold ${kept} of ${keys.length + 40} changes`);
      const w2 = writer(bank, { snapshotEvery: 7, leaseTtlMs: 1_000 });
      await waitFor(
        async () => {
          await w2.start();
          return w2.shards.length === 2;
        },
        { timeoutMs: 5_000, what: 'the second writer to take over' },
      );
      const reader = track(new StateReader(engine, bank, { blockMs: 50 }));
      await reader.start();
      for (const [k, account] of expected) {
        assert.deepEqual((await reader.get(k))?.state, account, `${k} as a new reader loads it`);
        const next = await c.send(k, 'deposit', { amount: 1 });
        assert.equal(next.state.balance, account.balance + 1, `${k} as the new writer recovered it`);
      }
    });

    it('evicts cold keys past maxKeys and reloads them from the snapshot', async () => {
      const bank = bankMachine(uniqueName('bank'), 1);
      const w = writer(bank, { maxKeys: 3, snapshotEvery: 2 });
      await w.start();
      const c = client(bank);
      for (let i = 0; i < 10; i++) await c.send(`e${i}`, 'open', { balance: i });
      for (let i = 0; i < 10; i++) assert.deepEqual((await c.send(`e${i}`, 'deposit', { amount: 1 })).state, { balance: i + 1, open: true });
      const stats = w.stats();
      assert.ok(stats.evicted > 0, 'keys were evicted');
      assert.ok(stats.keys <= 3 + 2, `keys in memory: ${stats.keys}`);
    });

    it('refuses bad input with typed errors and applies nothing; entries that are not commands are skipped and reported', async () => {
      const bank = bankMachine(uniqueName('bank'), 2);
      const c = client(bank);
      await assert.rejects(c.send('nobody', 'open', { balance: 1 }), (e: CommandError) => e.code === 'ERR_STREAMERSON_NO_WRITER' && e.status === 503);
      const w = writer(bank);
      const problems: string[] = [];
      w.on('problem', (_s, _id, error) => problems.push((error as { code?: string }).code ?? error.message));
      await w.start();
      const raw = track(new Client(engine, { timeout: 3_000 }));
      const shard0 = shardKeys(bank, 0).commands;
      await engine.append(shard0, ['not', 'a command']);
      await assert.rejects(raw.request(bank.name, 'open', { balance: 1 }, { shards: 2 }), {
        code: 'ERR_STREAMERSON_REMOTE',
        errorCode: 'ERR_STREAMERSON_BAD_REQUEST',
        status: 400,
      });
      const onShard0 = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].find((k) => shardOf(bank, k) === 0)!;
      const onShard1 = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].find((k) => shardOf(bank, k) === 1)!;
      await assert.rejects(raw.request(bank.name, 'open', { balance: 1 }, { shards: 2, key: onShard0, headers: { key: onShard1 } }), {
        errorCode: 'ERR_STREAMERSON_BAD_REQUEST',
      });
      await engine.append(shard0, encodeMessage({ type: 'open', headers: { key: onShard0, deadline: String(Date.now() - 1) }, payload: { balance: 1 } }));
      await waitFor(() => problems.length === 1, { what: 'the bad entry to be reported' });
      assert.deepEqual(problems, ['ERR_STREAMERSON_BAD_ENTRY']);
      await waitFor(async () => (await engine.pendingSummary(shard0, 'writers')).count === 0 && (await engine.info(shard0))!.groups[0]!.lag === 0, {
        what: 'every entry acknowledged',
      });
      assert.equal(w.stats().expired, 1);
      assert.equal(w.stats().applied, 0, 'nothing was applied');
      const check = track(new StateReader(engine, bank));
      assert.deepEqual((await check.get('nobody'))?.version, 0);
      assert.deepEqual((await check.get(onShard0))?.version, 0);
    });

    it('minVersion reads wait for the version, and time out when it never comes', async () => {
      const bank = bankMachine(uniqueName('bank'), 1);
      const w = writer(bank);
      await w.start();
      const reader = track(new StateReader(engine, bank, { blockMs: 50 }));
      await reader.start();
      const c = client(bank);
      const waiting = reader.get('m', { minVersion: 2, timeoutMs: 5_000 });
      await c.send('m', 'open', { balance: 1 });
      await c.send('m', 'deposit', { amount: 1 });
      assert.equal((await waiting)?.version, 2);
      await assert.rejects(reader.get('m', { minVersion: 3, timeoutMs: 100 }), { code: 'ERR_STREAMERSON_TIMEOUT' });
    });
  });
}
