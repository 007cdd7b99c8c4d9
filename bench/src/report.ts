/** The results of a run: Markdown for people, JSON for tools, an SVG chart for the docs. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BudgetInfo } from './budget/budgets.js';
import { renderChart } from './chart.js';
import { fixed, mark } from './format.js';
import type { MachineInfo } from './machine.js';
import type { Verdict } from './measure.js';
import { SCENARIOS, type BenchOptions, type ScenarioName } from './options.js';
import { REGISTRY } from './registry.js';

/** Everything one run measured. */
export interface BenchResult {
  /** ISO time the run started. */
  readonly date: string;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  /** The CPU budgets of the run's budget mode, or null when it ran on shared cores only. */
  readonly budget: BudgetInfo | null;
  /** Each scenario's result, by name, for the scenarios that ran. */
  readonly results: Readonly<Partial<Record<ScenarioName, unknown>>>;
}

function ran(result: BenchResult): ScenarioName[] {
  return SCENARIOS.filter((name) => result.results[name] !== undefined);
}

/** ` (0.85–1.02)`: the middle half of the rounds' figures, when the verdict was taken round by round. */
function roundsCell(v: Verdict, digits = 2): string {
  return v.rounds === undefined ? '' : ` (${fixed(v.rounds.low, digits)}–${fixed(v.rounds.high, digits)})`;
}

function verdictCells(v: Verdict): string {
  switch (v.metric) {
    case 'ratio':
      return `${fixed(v.value)}${roundsCell(v)} | ≥ ${v.target}`;
    case 'maxRatio':
      return `${fixed(v.value)} | ≤ ${v.target}`;
    case 'p50DeltaMs':
      return `p50 ${v.value >= 0 ? '+' : ''}${fixed(v.value, 3)} ms${roundsCell(v, 3)} | ≤ +${v.target} ms`;
    case 'p99Ratio':
      return `p99 ${fixed(v.value)} ×${roundsCell(v)} | ≤ ${v.target} ×`;
    case 'rssGrowthMB':
      return `RSS max − start ${v.value >= 0 ? '+' : ''}${fixed(v.value, 1)} MB | < ${v.target} MB`;
    case 'maxMs':
      return `${fixed(v.value, 0)} ms | < ${v.target} ms`;
  }
}

/** Whether the target lies inside the middle half of the rounds' figures: the rounds disagree on the verdict. */
function unsettled(v: Verdict): boolean {
  return v.rounds !== undefined && v.rounds.low <= v.target && v.target <= v.rounds.high;
}

/** `yes`, `**no**`, each with ` · rounds split` when the rounds disagree (see {@link unsettled}). */
function metCell(v: Verdict): string {
  return `${mark(v.meetsTarget)}${unsettled(v) ? ' · rounds split' : ''}`;
}

/** The run as Markdown: machine, the targets table, then each scenario's own tables. */
export function formatMarkdown(result: BenchResult): string {
  const m = result.machine;
  const rows = ran(result).flatMap((name) =>
    REGISTRY[name]
      .verdicts(result.results[name])
      .map(({ name: row, verdict: v }) => `| ${row} | ${v.side} vs ${v.baseline} | ${verdictCells(v)} | ${metCell(v)} |`),
  );
  const b = result.budget;
  return [
    `Run ${result.date} — ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, redis-server ${m.redisServer}`,
    '',
    b === null
      ? 'CPU budgets: none; every process ran on the shared cores.'
      : `CPU budgets: ${b.cpus} CPU per server process (${b.cgroup}, ${b.periodMs} ms period) in the runs marked "CPU budgets" (\`scale\`: its own, which its tables name); the load generator (the bench process) has none.`,
    '',
    "Ours / baseline is the median of the rounds' figures where a verdict is taken round by round, with the middle half of those figures (25th to 75th percentile) in brackets; *rounds split* marks a target that lies inside that middle half, on which the rounds of this run disagree.",
    '',
    '| scenario | comparison | ours / baseline | target | met |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    ...ran(result).flatMap((name) => REGISTRY[name].markdown(result.results[name])),
  ].join('\n');
}

/** The run's chart: throughput and p99 of every side of every comparison. */
export function formatChart(result: BenchResult): string {
  const groups = ran(result).flatMap((name) => REGISTRY[name].chart(result.results[name]));
  const m = result.machine;
  return renderChart(groups, `Streamerson bench ${result.date.slice(0, 10)} — ${m.cores} cores, Node ${m.node}, redis-server ${m.redisServer}`);
}

/** Writes `text` to `path`, creating the directory. */
export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Writes the result as indented JSON. */
export async function writeJson(path: string, result: BenchResult): Promise<void> {
  await writeText(path, `${JSON.stringify(result, null, 2)}\n`);
}
