import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRedis, type RedisServer } from '@streamerson/testkit';
import type { Redis } from 'ioredis';
import { rawConnection, type BenchContext } from '../src/context.js';
import type { Comparison } from '../src/measure.js';
import { parseBenchArgs } from '../src/options.js';
import { formatMarkdown } from '../src/report.js';
import { runConsume } from '../src/scenarios/consume.js';
import { runMemory } from '../src/scenarios/memory.js';
import { runProduce } from '../src/scenarios/produce.js';

const N = 500;
let server: RedisServer;
let admin: Redis;
let ctx: BenchContext;

before(async () => {
  server = await startRedis();
  admin = rawConnection(server.url);
  const parsed = parseBenchArgs(['--n', String(N), '--rounds', '1', '--no-write']);
  ctx = { url: server.url, admin, options: { ...parsed, memoryEntries: N, memoryPayloadSizes: [50, 500] } };
});

after(async () => {
  await admin?.quit();
  await server?.stop();
});

function assertComparison(c: Comparison): void {
  assert.equal(c.n, N);
  assert.ok(c.rawSameFormat, 'the same-format baseline ran');
  assert.ok(c.sameFormatRatio !== undefined && c.sameFormatRatio > 0);
  for (const side of [c.ours, c.raw, c.rawSameFormat]) {
    assert.equal(side.runs.length, 1);
    for (const run of side.runs) {
      assert.equal(run.processed, N);
      assert.equal(run.verified, N);
      assert.ok(run.msgsPerSec > 0 && Number.isFinite(run.msgsPerSec));
      assert.ok(run.clientCpuMs >= 0);
    }
    assert.equal(side.msgsPerSec.median, side.runs[0]?.msgsPerSec);
  }
  assert.ok(c.ratio > 0 && Number.isFinite(c.ratio));
  assert.equal(c.meetsTarget, c.ratio >= c.target);
}

test('produce: both sides store exactly N entries and report a ratio', async () => {
  const result = await runProduce(ctx);
  assertComparison(result);
  assert.equal(await admin.dbsize(), 0, 'every run cleans up its stream');
});

test('consume: both sides read and ack exactly N messages and report a ratio', async () => {
  assertComparison(await runConsume(ctx));
  assert.equal(await admin.dbsize(), 0, 'the pre-filled streams are deleted');
});

test('memory: bytes per entry of both sides at each payload size', async () => {
  const result = await runMemory(ctx);
  assert.deepEqual(result.rows.map((r) => r.payloadBytes), [50, 500]);
  for (const row of result.rows) {
    assert.equal(row.ours.entries, N);
    assert.equal(row.raw.entries, N);
    assert.ok(row.raw.bytesPerEntry > row.payloadBytes * 0.8, 'an entry holds at least its payload');
    assert.ok(row.ours.bytesPerEntry > row.payloadBytes * 0.8);
    assert.equal(row.ratio, row.ours.bytesPerEntry / row.raw.bytesPerEntry);
  }
  const markdown = formatMarkdown({ date: 'd', machine: { cpuModel: 'cpu', cores: 1, memoryGiB: 1, os: 'os', node: 'v', redisServer: 'r' }, options: ctx.options, memory: result });
  assert.match(markdown, /\| 500 B \|/);
});

test('options: --quick, BENCH_N and bad input', () => {
  assert.equal(parseBenchArgs(['--quick']).n, 5_000);
  assert.equal(parseBenchArgs([], { BENCH_N: '1234' }).n, 1234);
  assert.equal(parseBenchArgs(['--n=42', '--quick'], { BENCH_N: '7' }).n, 42);
  assert.deepEqual(parseBenchArgs(['memory', 'produce']).scenarios, ['produce', 'memory']);
  assert.throws(() => parseBenchArgs(['--n', '0']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"--n"/ });
  assert.throws(() => parseBenchArgs(['nope']), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"scenario"/ });
  assert.throws(() => parseBenchArgs([], { BENCH_N: 'x' }), { code: 'ERR_STREAMERSON_INVALID_OPTION', message: /"BENCH_N"/ });
});
