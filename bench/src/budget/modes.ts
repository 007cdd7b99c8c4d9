/**
 * The two modes of the budgeted scenarios: `shared` (every process on the
 * machine's shared cores, as the bench always ran) and `budget` (every server
 * process capped at the same CPU budget, the load generator uncapped).
 */
import type { BenchContext } from '../context.js';
import { fixed } from '../format.js';

/** How the processes of a run share the CPU. */
export type RunMode = 'shared' | 'budget';

/** The modes a budgeted scenario runs, in order: shared unless `--budget-only`, then budget when budgets are set up. */
export function runModes(ctx: BenchContext): RunMode[] {
  const modes: RunMode[] = [];
  if (ctx.options.sharedMode || ctx.budgets === null) modes.push('shared');
  if (ctx.budgets !== null) modes.push('budget');
  return modes;
}

/** Caps the placed processes for `budget` (at `cpus`, default the run's budget), lifts the caps for `shared`. */
export async function enterMode(ctx: BenchContext, mode: RunMode, cpus?: number): Promise<void> {
  await ctx.budgets?.enforce(mode === 'budget', cpus);
}

/** Puts a server process in a budget of its own, when budgets are set up; `label` names it in errors. */
export async function budgeted<T extends { readonly pid: number }>(ctx: BenchContext, process: T, label: string): Promise<T> {
  await ctx.budgets?.place(process.pid, label);
  return process;
}

/** The mode as a report says it: `shared cores` or `CPU budget 0.3 per server process, 10 ms period` (`cpus`: default the run's budget). */
export function describeMode(ctx: BenchContext, mode: RunMode, cpus?: number): string {
  const info = ctx.budgets?.info;
  if (mode === 'shared' || info === undefined) return 'shared cores';
  return `CPU budget ${fixed(cpus ?? info.cpus, 2).replace(/0$/, '')} per server process (${info.cgroup}, ${fixed(info.periodMs, 0)} ms period), load generator outside`;
}

/** What a comparison's name gets in budget mode, so that its rows stand apart from the shared-cores ones. */
export function modeSuffix(mode: RunMode): string {
  return mode === 'budget' ? ', CPU budgets' : '';
}
