import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_PROCESS, SERVER_PROCESS } from '../src/measure.js';
import { REGISTRY } from '../src/registry.js';
import {
  bend,
  referenceGains,
  SCALE_BUDGET_ROUNDS_FACTOR,
  type CurveRun,
  type ScaleConfig,
  type ScaleCurve,
  type ScaleResult,
} from '../src/scenarios/scale.js';
import { assertRendered, SMALL, useSmoke } from './smoke.js';

const smoke = useSmoke();

test('scale: every configuration of every curve answers every request, with the CPU of each of its processes, in each mode', async () => {
  const result = (await smoke.run('scale')) as ScaleResult;
  assert.deepEqual(
    result.curves.map((c) => c.name),
    ['workers', 'gateways', 'redis'],
  );
  const expected: Record<string, string[]> = {
    workers: ['g1-w1', 'g1-w2', 'g1-w1-hand', 'g1-w2-hand'],
    gateways: ['g1-w1', 'g2-w1'],
    redis: ['g0-w1', 'g0-w1-cluster'],
  };
  for (const curve of result.curves) {
    assert.deepEqual(
      curve.runs.map((r) => r.mode),
      smoke.modes(),
      curve.name,
    );
    for (const run of curve.runs) {
      const c = run.comparison;
      assert.deepEqual(Object.keys(c.sides), expected[curve.name], curve.name);
      for (const [key, side] of Object.entries(c.sides)) {
        const config = curve.configs[key]!;
        const gateways = config.gateways === 1 ? ['gateway'] : Array.from({ length: config.gateways }, (_, i) => `gateway ${i + 1}`);
        const workers = Array.from({ length: config.workers }, (_, i) => `worker ${i + 1}`);
        const masters = config.cluster ? ['master 1', 'master 2', 'master 3'] : [];
        assert.equal(side.runs.length, run.mode === 'budget' ? SCALE_BUDGET_ROUNDS_FACTOR : 1, `${curve.name} ${key}: budget mode runs more rounds`);
        for (const sample of side.runs) {
          assert.equal(sample.processed, SMALL);
          assert.equal(sample.verified, SMALL, `${curve.name} ${key}: the workers together handled every request`);
          assert.deepEqual(Object.keys(sample.cpuMs), [
            CLIENT_PROCESS,
            SERVER_PROCESS,
            ...(config.gateways === 0 ? [...masters, ...workers] : [...gateways, ...workers]),
          ]);
          for (const name of [...gateways.slice(0, config.gateways), ...workers, ...masters])
            assert.ok(sample.cpuMs[name]! > 0, `${curve.name} ${key}: ${name} worked`);
        }
        assert.ok(side.latencyMs !== undefined && side.latencyMs.p99.median >= side.latencyMs.p50.median);
      }
    }
  }
  const verdicts = REGISTRY.scale.verdicts(result).map((v) => `${v.name}: ${v.verdict.side} vs ${v.verdict.baseline}`);
  assert.deepEqual(
    verdicts,
    smoke.modes().includes('budget')
      ? [
          'scale: workers, CPU budgets: 1 gateway, 2 workers, redis-server vs 1 gateway, 1 worker, redis-server',
          'scale: gateways, CPU budgets: 2 gateways, 1 worker, redis-server vs 1 gateway, 1 worker, redis-server',
        ]
      : [],
  );
});

test('report: every scale curve appears in the Markdown and the chart, in each mode', () => {
  assertRendered(smoke, 'bench-scale', {
    rows: [],
    modeRows: [],
    budgetRows: ['scale: workers, CPU budgets', 'scale: gateways, CPU budgets'],
    sections: smoke.inModes('**scale: workers', '**scale: gateways', '**scale: Redis').map((s) => `${s}**`),
    chart: [/scale: workers/, /scale: gateways/, /scale: Redis/],
  });
});

test('report: where a budget curve bends, one line names the process whose budget binds, from its share of the budget', () => {
  const config = (workers: number): ScaleConfig => ({ gateways: 1, workers, work: true, cluster: false, handWritten: false });
  const side = (rate: number, cpusUsed: Record<string, number>) => ({
    runs: [{ msgsPerSec: rate }],
    msgsPerSec: { median: rate, min: rate, max: rate },
    cpusUsed,
  });
  const curve = (rates: number[], gatewayCpus: number): { curve: ScaleCurve; run: CurveRun } => {
    const sides = Object.fromEntries(
      [1, 2, 4].map((w, i) => [`g1-w${w}`, side(rates[i]!, { [CLIENT_PROCESS]: 0.5, gateway: i === 2 ? gatewayCpus : 0.1, 'worker 1': 0.15 })]),
    );
    const run = { mode: 'budget', budgetCpus: 0.2, modeLabel: 'budgets', comparison: { sides } } as unknown as CurveRun;
    return { curve: { name: 'workers', configs: { 'g1-w1': config(1), 'g1-w2': config(2), 'g1-w4': config(4) }, runs: [run] }, run };
  };
  const bound = curve([100, 190, 250], 0.195);
  assert.equal(
    bend(bound.curve, bound.run, 0.2),
    "The curve bends at 1 gateway, 4 workers, redis-server: 2.50 × for 4 × the workers; the budget that binds there is the gateway's (98 % of it used).",
  );
  const unbound = curve([100, 190, 250], 0.1);
  assert.match(bend(unbound.curve, unbound.run, 0.2), /bends at 1 gateway, 4 workers.*no budget binds there \(the busiest, the worker 1, used 75 %/);
  const straight = curve([100, 195, 380], 0.1);
  assert.match(bend(straight.curve, straight.run, 0.2), /^The curve does not bend: every configuration gains at least 90 % of proportional/);
});

test('report: the hand-written reference of the workers curve gets one line of its gains over its own first configuration', () => {
  const config = (workers: number, handWritten: boolean): ScaleConfig => ({ gateways: 1, workers, work: true, cluster: false, handWritten });
  const side = (rate: number) => ({ runs: [{ msgsPerSec: rate }], msgsPerSec: { median: rate, min: rate, max: rate }, cpusUsed: {} });
  const sides = { 'g1-w1': side(100), 'g1-w2': side(170), 'g1-w1-hand': side(200), 'g1-w2-hand': side(330), 'g1-w4-hand': side(420) };
  const configs = {
    'g1-w1': config(1, false),
    'g1-w2': config(2, false),
    'g1-w1-hand': config(1, true),
    'g1-w2-hand': config(2, true),
    'g1-w4-hand': config(4, true),
  };
  const run = { mode: 'budget', budgetCpus: 0.2, modeLabel: 'budgets', comparison: { sides } } as unknown as CurveRun;
  const curve: ScaleCurve = { name: 'workers', configs, runs: [run] };
  assert.equal(
    referenceGains(curve, run),
    'The hand-written path, on the same machine and budgets, gains 1.65 × with 2 workers and 2.10 × with 4 workers over its own 1 hand-written gateway, 1 ioredis worker, redis-server.',
  );
  assert.match(bend(curve, run, 0.2), /bends at 1 gateway, 2 workers, redis-server: 1\.70 ×/, 'ours bends by its own first configuration, not the reference');
});
