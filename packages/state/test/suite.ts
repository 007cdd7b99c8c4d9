/**
 * The behaviour of a machine, one body for every engine: commands, typed
 * refusals, retries, history and watch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type Engine } from '@streamerson/core';
import { uniqueName, waitFor } from '@streamerson/testkit';
import { MachineClient, StateReader, StateWriter, type CommandError } from '../src/index.js';
import { bankMachine } from './bank.js';

/** Registers the suite; `target` gives the engine URL and what to stop after. */
export function commandSuite(name: string, target: () => Promise<{ url: string; stop(): Promise<void> }>): void {
  describe(name, () => {
    const bank = bankMachine(uniqueName('bank'), 4);
    let stop: () => Promise<void>;
    const errors: Error[] = [];
    let engine: Engine;
    let writer: StateWriter<ReturnType<typeof bank.initial>, Parameters<typeof bank.apply>[1]>;
    let client: MachineClient<ReturnType<typeof bank.initial>, NonNullable<typeof bank.commandMap>>;
    let reader: StateReader<ReturnType<typeof bank.initial>>;

    before(async () => {
      const t = await target();
      stop = () => t.stop();
      engine = await connect(t.url);
      writer = new StateWriter(engine, bank, { blockMs: 50 });
      writer.on('error', (error) => errors.push(error));
      writer.on('problem', (_shard, _id, error) => errors.push(error));
      client = new MachineClient(engine, bank, { timeout: 2_000 });
      reader = new StateReader(engine, bank, { blockMs: 50 });
      await writer.start();
      assert.deepEqual(writer.shards, [0, 1, 2, 3], 'the writer took every shard');
      await reader.start();
    });
    after(async () => {
      assert.deepEqual(errors, [], 'the writer reported no failure');
      await client.close();
      await reader.close();
      await writer.close();
      await engine.close();
      await stop();
    });

    it('applies commands, replies with the version and state, and rejects with typed errors', async () => {
      const opened = await client.send('alice', 'open', { balance: 100 });
      assert.deepEqual(opened, { key: 'alice', version: 1, state: { balance: 100, open: true } });
      await client.send('bob', 'open', { balance: 0 });
      await assert.rejects(
        client.send('alice', 'open', { balance: 5 }),
        (e: CommandError) => e.code === 'ERR_STREAMERSON_REJECTED' && e.errorCode === 'ALREADY_OPEN' && e.status === 409,
      );
      await assert.rejects(
        client.send('alice', 'transfer', { to: 'bob', amount: 1_000 }),
        (e: CommandError) => e.errorCode === 'INSUFFICIENT_FUNDS' && (e.details as { balance: number }).balance === 100,
      );
      const moved = await client.send('alice', 'transfer', { to: 'bob', amount: 30 });
      assert.equal(moved.version, 2);
      const bob = await waitFor(async () => ((await reader.get('bob'))?.version === 2 ? reader.get('bob') : undefined), { what: 'the credit of bob' });
      assert.deepEqual(bob, { key: 'bob', version: 2, state: { balance: 30, open: true } });
      assert.deepEqual(await reader.get('alice', { minVersion: 2 }), { key: 'alice', version: 2, state: { balance: 70, open: true } });
    });

    it('applies a retried command id once and answers it with its first result', async () => {
      await client.send('carol', 'open', { balance: 10 });
      const first = await client.send('carol', 'deposit', { amount: 5 }, { commandId: 'dep-1' });
      const again = await client.send('carol', 'deposit', { amount: 5 }, { commandId: 'dep-1' });
      assert.deepEqual(again, { ...first, duplicate: true });
      assert.equal((await reader.get('carol', { minVersion: 2 }))?.state.balance, 15);
    });

    it('refuses a wrong expectedVersion, an unknown command and a bad payload, applying nothing', async () => {
      await client.send('dave', 'open', { balance: 1 });
      await assert.rejects(
        client.send('dave', 'deposit', { amount: 1 }, { expectedVersion: 7 }),
        (e: CommandError) => e.code === 'ERR_STREAMERSON_VERSION_CONFLICT' && e.status === 409,
      );
      await assert.rejects(
        client.send('dave', 'close' as 'open', { balance: 1 }),
        (e: CommandError) => e.code === 'ERR_STREAMERSON_UNKNOWN_TYPE' && e.status === 404,
      );
      await assert.rejects(
        client.send('dave', 'deposit', { amount: -3 }),
        (e: CommandError) => e.code === 'ERR_STREAMERSON_INVALID_PAYLOAD' && e.status === 400,
      );
      const ok = await client.send('dave', 'deposit', { amount: 2 }, { expectedVersion: 1 });
      assert.deepEqual(ok.state, { balance: 3, open: true });
      assert.equal(ok.version, 2);
    });

    it('history lists a key’s changes oldest first', async () => {
      await client.send('erin', 'open', { balance: 3 });
      await client.send('erin', 'deposit', { amount: 4 });
      const changes = await reader.history('erin');
      assert.deepEqual(
        changes.map((c) => [c.version, c.type, c.events]),
        [
          [1, 'open', [{ type: 'opened', balance: 3 }]],
          [2, 'deposit', [{ type: 'deposited', amount: 4 }]],
        ],
      );
    });

    it('watch streams a key’s changes as they are applied', async () => {
      const opened = await client.send('finn', 'open', { balance: 0 });
      await reader.get('finn', { minVersion: opened.version });
      const watch = reader.watch('finn');
      await client.send('finn', 'deposit', { amount: 1 });
      await client.send('finn', 'deposit', { amount: 2 });
      const seen: number[] = [];
      for await (const change of watch) {
        seen.push((change.state as { balance: number }).balance);
        if (seen.length === 2) break;
      }
      assert.deepEqual(seen, [1, 3]);
    });
  });
}
