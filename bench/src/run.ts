/**
 * Runs the selected scenarios against one redis-server started for the
 * purpose (no persistence, free port, the same for every scenario) and always
 * stops it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis } from '@streamerson/testkit';
import { CpuBudgets, type BudgetInfo } from './budget/budgets.js';
import { BENCH_SERVER_ARGS, rawConnection, type BenchContext } from './context.js';
import { describeMachine } from './machine.js';
import { BUDGET_SCENARIOS, type BenchOptions } from './options.js';
import { REGISTRY } from './registry.js';
import type { BenchResult } from './report.js';

/** Runs `options.scenarios` on a server of its own; `log` hears about progress. */
export async function runBench(options: BenchOptions, log: (line: string) => void = () => undefined): Promise<BenchResult> {
  const date = new Date().toISOString();
  const budgets = await openBudgets(options, log);
  try {
    const server = await startRedis({ args: BENCH_SERVER_ARGS });
    const admin = rawConnection(server.url);
    try {
      await budgets?.place(server.pid, 'redis-server');
      const ctx: BenchContext = { url: server.url, admin, options, budgets };
      const results: Record<string, unknown> = {};
      for (const [i, name] of options.scenarios.entries()) {
        if (i > 0 && options.settleSeconds > 0) {
          log(`settling ${options.settleSeconds} s…`);
          await sleep(options.settleSeconds * 1_000);
        }
        log(`running ${name}…`);
        results[name] = await REGISTRY[name].run(ctx);
        // A scenario that ran in budget mode leaves the caps on; the next one starts on shared cores.
        await budgets?.enforce(false);
      }
      const budget: BudgetInfo | null = budgets?.info ?? null;
      return { date, machine: await describeMachine(admin), options, budget, results };
    } finally {
      await admin.quit().catch(() => undefined);
      await server.stop();
    }
  } finally {
    await budgets?.close();
  }
}

/**
 * The run's CPU budgets when `options` ask for them and a selected scenario
 * uses them; where the machine cannot set them, one line says why and the
 * run goes on with shared cores only.
 */
export async function openBudgets(options: BenchOptions, log: (line: string) => void): Promise<CpuBudgets | null> {
  if (options.budget === null || !options.scenarios.some((s) => BUDGET_SCENARIOS.includes(s))) return null;
  const budgets = await CpuBudgets.open(options.budget.cpus, options.budget.periodMs);
  if (typeof budgets !== 'string') return budgets;
  log(`${budgets}; running shared cores only`);
  return null;
}
