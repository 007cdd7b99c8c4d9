/**
 * A scenario made of side-by-side comparisons (everything but `memory`):
 * one Markdown table per comparison with every side's throughput, latency,
 * CPU per process and ours' ratio to it (round by round, see `pairedRatio`),
 * one chart group each. A comparison run in both modes gets, after its
 * budget-mode table, one more that puts the two modes side by side.
 */
import { modeSuffix } from './budget/modes.js';
import { binding, describeUse } from './budget/use.js';
import { cpuByProcess, cpuHeading, fixed, int } from './format.js';
import { pairedRatio, type SideResult } from './measure.js';
import { OURS, type ChartGroup, type ComparisonReport, type Scenario } from './scenario.js';
import type { BenchContext } from './context.js';

function rate(side: SideResult): string {
  const { median, min, max } = side.msgsPerSec;
  return `${int(median)} (${int(min)}–${int(max)})`;
}

function latency(side: SideResult): string {
  const l = side.latencyMs;
  return l === undefined ? '– | –' : `${fixed(l.p50.median, 3)} | ${fixed(l.p99.median, 3)}`;
}

function table(report: ComparisonReport): string[] {
  const { comparison: c, labels, unit } = report;
  // A comparison may have no side of ours yet (a scenario whose baselines are ready first).
  const ours = c.sides[OURS];
  const cpus = report.mode === 'budget' ? report.budgetCpus : undefined;
  const rows = Object.entries(c.sides).map(([key, side]) => {
    const ratio = key === OURS || ours === undefined ? '–' : fixed(pairedRatio(ours, side));
    const use = cpus === undefined ? '' : ` ${describeUse(side, cpus)} | ${binding(side, cpus)} |`;
    return `| ${labels[key] ?? key} | ${rate(side)} | ${ratio} | ${latency(side)} | ${cpuByProcess(side)} |${use}`;
  });
  const useHeader = cpus === undefined ? ['', ''] : [' share of its budget used, by process | binds |', '---|---|'];
  return [
    `**${report.name}** — ${report.setup} N = ${int(c.n)} per run, ${c.rounds} runs per side alternating after a warm-up of ${int(c.warmupN)}; ours / this is the median of the rounds' ratios.`,
    '',
    `| side | ${unit} median (min–max) | ours / this | p50 ms | p99 ms | ${cpuHeading('message')} |${useHeader[0]}`,
    `|---|---|---|---|---|---|${useHeader[1]}`,
    ...rows,
    '',
    ...(report.notes === undefined || report.notes.length === 0 ? [] : [report.notes.join(' '), '']),
  ];
}

function chartGroup(report: ComparisonReport): ChartGroup {
  return {
    title: report.name,
    unit: report.unit,
    bars: Object.entries(report.comparison.sides).map(([key, side]) => ({
      label: report.labels[key] ?? key,
      ours: key === OURS,
      value: side.msgsPerSec.median,
      min: side.msgsPerSec.min,
      max: side.msgsPerSec.max,
      ...(side.latencyMs === undefined ? {} : { p99Ms: side.latencyMs.p99.median }),
    })),
  };
}

/** Throughput, ours' ratio and latency of every side on shared cores and with budgets, in one table. */
function modesTable(shared: ComparisonReport, budget: ComparisonReport): string[] {
  const { labels, unit } = budget;
  const cpus = budget.budgetCpus ?? Number.NaN;
  const cells = (report: ComparisonReport, key: string): string => {
    const side = report.comparison.sides[key];
    const ours = report.comparison.sides[OURS];
    if (side === undefined) return '– | – | – | –';
    const ratio = key === OURS || ours === undefined ? '–' : fixed(pairedRatio(ours, side));
    return `${int(side.msgsPerSec.median)} | ${ratio} | ${latency(side)}`;
  };
  return [
    `**${shared.name}: shared cores and CPU budgets side by side** — the two tables above: medians, and ours / this as there.`,
    '',
    `| side | shared: ${unit} | ours / this | p50 ms | p99 ms | budgets: ${unit} | ours / this | p50 ms | p99 ms | binds |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...Object.keys(budget.comparison.sides).map(
      (key) => `| ${labels[key] ?? key} | ${cells(shared, key)} | ${cells(budget, key)} | ${binding(budget.comparison.sides[key]!, cpus)} |`,
    ),
    '',
  ];
}

/** Each report's table; after a budget-mode report whose shared-cores run came before it, the two side by side. */
function tables(reports: readonly ComparisonReport[]): string[] {
  return reports.flatMap((report) => {
    if (report.mode !== 'budget') return table(report);
    const base = report.name.slice(0, report.name.length - modeSuffix('budget').length);
    const shared = reports.find((r) => r.mode !== 'budget' && r.name === base);
    return shared === undefined ? table(report) : [...table(report), ...modesTable(shared, report)];
  });
}

/** A {@link Scenario} whose result is a list of {@link ComparisonReport}s. */
export function comparisonScenario(name: string, run: (ctx: BenchContext) => Promise<readonly ComparisonReport[]>): Scenario<readonly ComparisonReport[]> {
  return {
    name,
    run,
    markdown: tables,
    chart: (reports) => reports.map(chartGroup),
    verdicts: (reports) => reports.flatMap((r) => r.verdicts.map((verdict) => ({ name: r.name, verdict }))),
  };
}
