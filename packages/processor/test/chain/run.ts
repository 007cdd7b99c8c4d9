/**
 * The exactly-once run: a chain of two stages (`enrich` → `totals`), two
 * processes each, while a stage process is SIGKILLed and started again every
 * `PROCESSOR_KILL_MS` (700 ms); `PROCESSOR_INPUTS` orders (10,000) over 100
 * customers, fed in chunks that wait for their share of the kills. Then every input must have yielded its outputs exactly once
 * (counted by message id), each customer's totals in order, and each
 * customer's state the sum of its orders.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, requireFencing, type Engine } from '@streamerson/core';
import { killNodeProcesses, startNodeProcess, uniqueName, waitFor, type NodeProcess } from '@streamerson/testkit';
import { allInputKeys, type ProcessorOptions } from '../../src/index.js';
import { readTopic } from '../suite.js';
import { enrich, names, orderAppends, SHARDS, totals, type Order, type Totals } from '../orders.js';

export const INPUTS = Number(process.env['PROCESSOR_INPUTS'] ?? 10_000);
export const KILL_EVERY_MS = Number(process.env['PROCESSOR_KILL_MS'] ?? 700);
const CUSTOMERS = 100;
/** Inputs appended at once. */
const CHUNK = 500;
/** Kills that land before the last chunk of inputs is appended (the tests ask for at least this many). */
export const MIN_CRASHES = 2;
const SCRIPT = fileURLToPath(new URL('./stage-process.js', import.meta.url));
const OPTIONS: ProcessorOptions = { leaseTtlMs: 1_000, renewIntervalMs: 250, blockMs: 100, claimIntervalMs: 200, batchSize: 100, announce: false };

export interface ChainReport {
  readonly crashes: number;
  readonly seconds: number;
}

export async function runChain(url: string): Promise<ChainReport> {
  const prefix = uniqueName('once');
  const n = names(prefix);
  const engine = await connect(url);
  const started = Date.now();
  const procs: { stage: 'enrich' | 'totals'; proc: NodeProcess }[] = [];
  const start = async (stage: 'enrich' | 'totals'): Promise<void> => {
    const proc = await startNodeProcess(SCRIPT, [JSON.stringify({ url, prefix, stage, options: OPTIONS })], { name: `${stage} stage`, readyTimeoutMs: 60_000 });
    procs.push({ stage, proc });
  };
  let crashes = 0;
  let stopped = false;
  let feeding: Promise<void> = Promise.resolve();
  try {
    for (const stage of ['enrich', 'enrich', 'totals', 'totals'] as const) await start(stage);
    const appends = orderAppends(prefix, CUSTOMERS, INPUTS);
    // The inputs go in chunks, and a chunk waits for its share of the kills: however fast the stages run,
    // MIN_CRASHES kills land while inputs are still to come.
    const chunks = Math.ceil(appends.length / CHUNK);
    feeding = (async () => {
      for (let c = 0; c < chunks && !stopped; c++) {
        const due = Math.floor(((c + 1) * MIN_CRASHES) / chunks);
        await waitFor(() => stopped || crashes >= due, { timeoutMs: 120_000, what: `kill ${due} before input chunk ${c}` });
        await engine.appendBatch(appends.slice(c * CHUNK, (c + 1) * CHUNK));
        await sleep(20);
      }
    })();
    const done = async (): Promise<boolean> => (await engine.length(n.totals)) >= INPUTS;
    while (!(await done())) {
      await sleep(KILL_EVERY_MS);
      const victim = procs.splice(crashes % procs.length, 1)[0]!;
      await victim.proc.kill();
      crashes++;
      await start(victim.stage);
    }
    await feeding;
    await waitFor(async () => (await pendingOf(engine, prefix)) === 0, { timeoutMs: 60_000, what: 'every input of both stages acknowledged' });
    await check(engine, prefix);
    return { crashes, seconds: Math.round((Date.now() - started) / 1_000) };
  } finally {
    stopped = true;
    await feeding.catch(() => undefined);
    await killNodeProcesses();
    await engine.close();
  }
}

async function pendingOf(engine: Engine, prefix: string): Promise<number> {
  let pending = 0;
  for (const spec of [enrich(prefix), totals(prefix)]) {
    for (const keys of allInputKeys(spec)) pending += (await engine.pendingSummary(keys.stream, spec.name)).count;
  }
  return pending;
}

async function check(any: Engine, prefix: string): Promise<void> {
  const engine = requireFencing(any, 'the check');
  const n = names(prefix);
  const enriched = await readTopic(engine, n.enriched, SHARDS);
  assert.equal(enriched.length, INPUTS, 'one enriched order per order, none twice');
  assert.equal(new Set(enriched.map((m) => m.id)).size, INPUTS, 'enriched message ids unique');
  const out = await readTopic(engine, n.totals, 1);
  assert.equal(out.length, INPUTS, 'one total per enriched order, none twice');
  assert.equal(new Set(out.map((m) => m.id)).size, INPUTS, 'total message ids unique');
  const seqs = new Map<string, number[]>();
  const sums = new Map<string, number>();
  for (const m of out) {
    const p = m.payload as { customer: string; seq: number };
    seqs.set(p.customer, [...(seqs.get(p.customer) ?? []), p.seq]);
  }
  for (const m of enriched) {
    const o = m.payload as Order;
    sums.set(o.customer, (sums.get(o.customer) ?? 0) + o.amount);
  }
  for (const [customer, list] of seqs)
    assert.deepEqual(
      list,
      list.map((_, i) => i + 1),
      `${customer}'s totals are in order, each once`,
    );
  for (const keys of allInputKeys(totals(prefix))) {
    let cursor = '0';
    do {
      const page = await engine.hashScan(keys.state, cursor, 1_000);
      for (const [customer, value] of page.entries) {
        const s = JSON.parse(value.toString()) as Totals;
        assert.equal(s.outOfOrder, 0, `${customer} saw its orders in order`);
        assert.equal(s.count, seqs.get(customer)?.length, `${customer}'s state counts each order once`);
        assert.equal(Math.round(s.total * 100), Math.round((sums.get(customer) ?? 0) * 100), `${customer}'s total is the sum of its orders`);
      }
      cursor = page.cursor;
    } while (cursor !== '0');
  }
}
