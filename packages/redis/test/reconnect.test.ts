import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockingReader, Engine } from '@streamerson/core';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@streamerson/testkit';
import { createRedisEngine } from '../src/index.js';
import { assertReaderRetainsNoResults } from './reader-checks.js';

describe('redis engine reconnects without losing acknowledged writes', () => {
  let server: RedisServer;
  let engine: Engine;

  before(async () => {
    server = await startRedis();
    engine = createRedisEngine(server.url, { maxRetriesPerRequest: 3, maxReconnectDelayMs: 100 });
  });
  after(async () => {
    await engine.close();
    await server.stop();
  });

  test('every append that resolved is stored; the others reject with ERR_STREAMERSON_CONNECTION', async () => {
    const stream = uniqueName('reconnect');
    const acknowledged: string[] = [];
    const failures: string[] = [];
    let kills = 0;
    const appends: Promise<void>[] = [];
    for (let i = 0; i < 2_000; i++) {
      appends.push(
        engine.append(stream, ['i', String(i)]).then(
          (id) => void acknowledged.push(id!),
          (error: { code?: string }) => void failures.push(error.code ?? String(error)),
        ),
      );
      if (i % 400 === 200) {
        // Drops every normal client connection from the server side, mid-stream.
        await server.command('CLIENT', 'KILL', 'TYPE', 'normal');
        kills++;
      }
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('appends hung after the connection was killed')), 10_000);
    });
    await Promise.race([Promise.all(appends), deadline]).finally(() => clearTimeout(timer));
    assert.ok(kills > 0);
    assert.ok(
      failures.every((code) => code === 'ERR_STREAMERSON_CONNECTION'),
      `unexpected failures: ${failures.join(', ')}`,
    );
    assert.equal(acknowledged.length + failures.length, 2_000);
    const stored = new Set((await engine.range(stream, '-', '+')).map((e) => e.id));
    for (const id of acknowledged) assert.ok(stored.has(id), `acknowledged entry ${id} is missing`);
    assert.equal(await engine.length(stream), stored.size);
  });
});

describe('closing a reader while its connection waits to reconnect', () => {
  /**
   * Runs `warm` on a working reader (its connection then exists), kills the
   * server, waits until the connection waits to reconnect, then runs `dead`.
   */
  async function withDeadConnection(
    warm: (engine: Engine, reader: BlockingReader, stream: string) => Promise<void>,
    dead: (reader: BlockingReader, stream: string) => Promise<void>,
  ): Promise<void> {
    const server = await startRedis();
    const engine = createRedisEngine(server.url, { maxRetriesPerRequest: 0, reconnectDelayMs: 1_000 });
    try {
      const reader = engine.openReader();
      const stream = uniqueName('dead');
      await warm(engine, reader, stream);
      server.kill('SIGKILL');
      await waitFor(() => engine.stats().connected === false, { what: 'the engine to see its connection gone' });
      await dead(reader, stream);
    } finally {
      engine.destroy();
      await server.stop();
    }
  }

  test('ends a read queued on the dead connection at once', async () => {
    await withDeadConnection(
      async (_engine, reader, stream) => {
        assert.deepEqual(await reader.read([{ stream, after: '0-0' }], { blockMs: 10 }), []);
      },
      async (reader, stream) => {
        // A read now is queued until the connection is back.
        const read = reader.read([{ stream, after: '0-0' }], { blockMs: 5_000 });
        const t = Date.now();
        await reader.close();
        assert.deepEqual(await read, []);
        assert.ok(Date.now() - t < 500, `the read ended ${Date.now() - t} ms after close`);
      },
    );
  });

  test('settles the writes sent ahead of a group read with ERR_STREAMERSON_CLOSED', async () => {
    await withDeadConnection(
      async (engine, reader, stream) => {
        await engine.createGroup(stream, 'g', '0');
        assert.deepEqual(await reader.readGroup('g', 'c', [{ stream, after: '>' }], { blockMs: 10 }), []);
      },
      async (reader, stream) => {
        let settled: unknown = 'not yet';
        const read = reader.readGroupAfter!(
          {
            appends: [{ stream: uniqueName('replies'), fields: ['a', 'b'] }],
            acks: [],
            settled: (error) => {
              settled = error;
            },
          },
          'g',
          'c',
          [{ stream, after: '>' }],
          { blockMs: 5_000 },
        );
        await reader.close();
        assert.deepEqual(await read, []);
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal((settled as { code?: string } | undefined)?.code, 'ERR_STREAMERSON_CLOSED');
      },
    );
  });
});

describe('a reader that stays open', () => {
  test('keeps no reference to the results of its past reads', async () => {
    const server = await startRedis();
    const engine = createRedisEngine(server.url);
    try {
      const stream = uniqueName('retention');
      await engine.append(stream, ['i', '1']);
      await assertReaderRetainsNoResults(engine, stream, 200);
    } finally {
      await engine.close();
      await server.stop();
    }
  });
});
