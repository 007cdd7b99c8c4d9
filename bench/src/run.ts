/**
 * Runs the selected scenarios against one redis-server started for the
 * purpose (no persistence, free port, the same for every scenario) and always
 * stops it.
 */
import { startRedis } from '@streamerson/testkit';
import { rawConnection, type BenchContext } from './context.js';
import { describeMachine } from './machine.js';
import type { BenchOptions } from './options.js';
import { REGISTRY } from './registry.js';
import type { BenchResult } from './report.js';

/** Server arguments: nothing on disk, so no fork or fsync competes with the clients. */
export const BENCH_SERVER_ARGS = Object.freeze(['--save', '', '--appendonly', 'no']);

/** Runs `options.scenarios` on a server of its own; `log` hears about progress. */
export async function runBench(options: BenchOptions, log: (line: string) => void = () => undefined): Promise<BenchResult> {
  const date = new Date().toISOString();
  const server = await startRedis({ args: BENCH_SERVER_ARGS });
  const admin = rawConnection(server.url);
  try {
    const ctx: BenchContext = { url: server.url, admin, options };
    const results: Record<string, unknown> = {};
    for (const name of options.scenarios) {
      log(`running ${name}…`);
      results[name] = await REGISTRY[name].run(ctx);
    }
    return { date, machine: await describeMachine(admin), options, results };
  } finally {
    await admin.quit().catch(() => undefined);
    await server.stop();
  }
}
