/**
 * A scenario made of side-by-side comparisons (everything but `memory`):
 * one Markdown table per comparison with every side's throughput, latency,
 * CPU per process and ours' ratio to it, one chart group each.
 */
import { binding, describeUse } from './budget/use.js';
import { fixed, int } from './format.js';
import type { SideResult } from './measure.js';
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

function cpu(side: SideResult): string {
  return Object.entries(side.cpuUsPerMsg)
    .map(([process, us]) => `${process} ${fixed(us, 1)}`)
    .join(' · ');
}

function table(report: ComparisonReport): string[] {
  const { comparison: c, labels, unit } = report;
  // A comparison may have no side of ours yet (a scenario whose baselines are ready first).
  const ours = c.sides[OURS];
  const cpus = report.mode === 'budget' ? report.budgetCpus : undefined;
  const rows = Object.entries(c.sides).map(([key, side]) => {
    const ratio = key === OURS || ours === undefined ? '–' : fixed(ours.msgsPerSec.median / side.msgsPerSec.median);
    const use = cpus === undefined ? '' : ` ${describeUse(side, cpus)} | ${binding(side, cpus)} |`;
    return `| ${labels[key] ?? key} | ${rate(side)} | ${ratio} | ${latency(side)} | ${cpu(side)} |${use}`;
  });
  const useHeader = cpus === undefined ? ['', ''] : [' share of its budget used, by process | binds |', '---|---|'];
  return [
    `**${report.name}** — ${report.setup} N = ${int(c.n)} per run, ${c.rounds} runs per side alternating after a warm-up of ${int(c.warmupN)}.`,
    '',
    `| side | ${unit} median (min–max) | ours / this | p50 ms | p99 ms | CPU µs per message, by process |${useHeader[0]}`,
    `|---|---|---|---|---|---|${useHeader[1]}`,
    ...rows,
    '',
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

/** A {@link Scenario} whose result is a list of {@link ComparisonReport}s. */
export function comparisonScenario(name: string, run: (ctx: BenchContext) => Promise<readonly ComparisonReport[]>): Scenario<readonly ComparisonReport[]> {
  return {
    name,
    run,
    markdown: (reports) => reports.flatMap(table),
    chart: (reports) => reports.map(chartGroup),
    verdicts: (reports) => reports.flatMap((r) => r.verdicts.map((verdict) => ({ name: r.name, verdict }))),
  };
}
