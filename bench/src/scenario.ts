/**
 * What a scenario is to the runner: a name, a run against the shared server,
 * and how its result reads as Markdown and as bars of the chart. The registry
 * (`registry.ts`) lists them in the order a full run executes them.
 */
import type { RunMode } from './budget/modes.js';
import type { BenchContext } from './context.js';
import type { Comparison, Verdict } from './measure.js';

/** The side every comparison measures; its bars are highlighted. */
export const OURS = 'ours';

/** One comparison as reported: its sides' labels, its unit and its verdicts against the targets. */
export interface ComparisonReport {
  /** Row label, e.g. `request/reply c=100`. */
  readonly name: string;
  /** One sentence of setup: sizes, concurrency, what each side does. */
  readonly setup: string;
  /** `msgs/s` or `req/s`. */
  readonly unit: string;
  /** Display label per side key of {@link Comparison.sides}. */
  readonly labels: Readonly<Record<string, string>>;
  readonly comparison: Comparison;
  readonly verdicts: readonly Verdict[];
  /** How the processes shared the CPU; default `shared`. */
  readonly mode?: RunMode;
  /** The CPU budget of each server process in `budget` mode, in CPUs. */
  readonly budgetCpus?: number;
  /** Sentences shown under the comparison's table, e.g. how two baselines compare with each other. */
  readonly notes?: readonly string[];
}

/** One bar group of the chart: a comparison's sides. */
export interface ChartGroup {
  readonly title: string;
  readonly unit: string;
  /** What the left bars show when it is not throughput (e.g. `p50 delivery latency; shorter is better`); such a group shows no "not measured" for a missing p99. */
  readonly measure?: string;
  readonly bars: readonly ChartBar[];
}

/** One side in a {@link ChartGroup}. */
export interface ChartBar {
  readonly label: string;
  readonly ours: boolean;
  /** Median throughput, or the group's {@link ChartGroup.measure}. */
  readonly value: number;
  readonly min: number;
  readonly max: number;
  /** Median p99 latency in ms, for sides that measure latency. */
  readonly p99Ms?: number;
}

/** A benchmark scenario. */
export interface Scenario<R = unknown> {
  readonly name: string;
  run(ctx: BenchContext): Promise<R>;
  /** Lines of Markdown for the report. */
  markdown(result: R): string[];
  chart(result: R): ChartGroup[];
  /** Verdicts for the summary table. */
  verdicts(result: R): { readonly name: string; readonly verdict: Verdict }[];
}
