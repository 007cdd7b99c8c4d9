/**
 * Runs the selected scenarios against a redis-server started for the purpose
 * (no persistence, free port) and always stops it.
 */
import { startRedis } from '@streamerson/testkit';
import { rawConnection, type BenchContext } from './context.js';
import { describeMachine } from './machine.js';
import type { BenchOptions } from './options.js';
import type { BenchResult } from './report.js';
import { runConsume } from './scenarios/consume.js';
import { runMemory } from './scenarios/memory.js';
import { runProduce } from './scenarios/produce.js';

/** Server arguments: nothing on disk, so no fork or fsync competes with the clients. */
export const BENCH_SERVER_ARGS = Object.freeze(['--save', '', '--appendonly', 'no']);

/** Runs `options.scenarios` on a server of its own; `log` hears about progress. */
export async function runBench(options: BenchOptions, log: (line: string) => void = () => undefined): Promise<BenchResult> {
  const date = new Date().toISOString();
  const server = await startRedis({ args: BENCH_SERVER_ARGS });
  const admin = rawConnection(server.url);
  try {
    const ctx: BenchContext = { url: server.url, admin, options };
    let result: BenchResult = { date, machine: await describeMachine(admin), options };
    for (const scenario of options.scenarios) {
      log(`running ${scenario}…`);
      switch (scenario) {
        case 'produce': result = { ...result, produce: await runProduce(ctx) }; break;
        case 'consume': result = { ...result, consume: await runConsume(ctx) }; break;
        case 'memory': result = { ...result, memory: await runMemory(ctx) }; break;
      }
    }
    return result;
  } finally {
    await admin.quit().catch(() => undefined);
    await server.stop();
  }
}
