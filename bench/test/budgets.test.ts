import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { waitFor } from '@streamerson/testkit';
import { CpuBudgets } from '../src/budget/budgets.js';
import { findCpuController, quotaUs } from '../src/budget/cgroup.js';
import { runModes } from '../src/budget/modes.js';
import type { BenchContext } from '../src/context.js';
import { parseBenchArgs } from '../src/options.js';

const V1_MOUNTS = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const V1_CGROUP = ['3:cpuset:/', '2:cpuacct:/', '1:cpu:/jobs/a', '0::/'].join('\n');

test('cgroups: the v1 cpu hierarchy when the unified one offers no cpu controller', async () => {
  const seen: string[] = [];
  const found = await findCpuController(V1_MOUNTS, V1_CGROUP, async (dir) => {
    seen.push(dir);
    return 'memory pids';
  });
  assert.deepEqual(found, { version: 1, home: '/sys/fs/cgroup/cpu/jobs/a' });
  assert.deepEqual(seen, ['/sys/fs/cgroup/unified/'], 'the unified hierarchy was asked first');
});

test('cgroups: the unified hierarchy when it offers cpu; a container mount of a subtree is made relative', async () => {
  const mounts = '29 23 0:26 /user.slice /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';
  const found = await findCpuController(mounts, '0::/user.slice/session-1.scope', async () => 'cpuset cpu io memory pids');
  assert.deepEqual(found, { version: 2, home: '/sys/fs/cgroup/session-1.scope' });
  const combined = '31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct';
  assert.deepEqual(await findCpuController(combined, '4:cpu,cpuacct:/x', async () => ''), { version: 1, home: '/sys/fs/cgroup/cpu,cpuacct/x' });
});

test('cgroups: no cpu controller anywhere is a reason, not an error', async () => {
  const mounts = '33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset';
  assert.equal(await findCpuController(mounts, '3:cpuset:/', async () => ''), 'no cgroup hierarchy offers the cpu controller');
});

test('cgroups: a budget is a quota per period', () => {
  assert.equal(quotaUs(0.3, 10_000), 3_000);
  assert.equal(quotaUs(1.5, 100_000), 150_000);
  assert.equal(quotaUs(null, 10_000), null);
});

test('modes: shared cores, then budgets where they are set up; --budget-only drops the shared runs unless there are no budgets', () => {
  const context = (args: string[], budgets: boolean): BenchContext =>
    ({ options: parseBenchArgs(args), budgets: budgets ? ({} as CpuBudgets) : null }) as BenchContext;
  assert.deepEqual(runModes(context([], true)), ['shared', 'budget']);
  assert.deepEqual(runModes(context([], false)), ['shared']);
  assert.deepEqual(runModes(context(['--budget-only'], true)), ['budget']);
  assert.deepEqual(runModes(context(['--budget-only'], false)), ['shared']);
});

/** Starts a Node process that, when told to, spins for `ms` of wall time and prints the CPU time it got, in ms. */
function spinner(): { pid: number; spin(ms: number): Promise<number>; stop(): void } {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `process.stdin.setEncoding('utf8').on('data', (ms) => { const c0 = process.cpuUsage(); const end = Date.now() + Number(ms); while (Date.now() < end); const c = process.cpuUsage(c0); process.stdout.write((c.user + c.system) / 1000 + '\\n'); }).on('end', () => process.exit(0));`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  child.stdout.setEncoding('utf8');
  return {
    pid: child.pid!,
    spin: async (ms) => {
      child.stdin.write(String(ms));
      const [line] = (await once(child.stdout, 'data')) as [string];
      return Number(line);
    },
    stop: () => child.stdin.end(),
  };
}

test('budgets: a placed process gets no more CPU than its budget while enforced, its cap is lifted when not; closing removes the groups', async (t) => {
  const budgets = await CpuBudgets.open(0.1, 10);
  if (typeof budgets === 'string') {
    // Where budgets cannot be set, the bench says why in one line and runs on shared cores.
    assert.match(budgets, /^CPU budgets /);
    assert.ok(!budgets.includes('\n'));
    t.diagnostic(budgets);
    return;
  }
  const child = spinner();
  try {
    assert.ok(existsSync(budgets.dir), 'the run has a directory of groups');
    await budgets.place(child.pid, 'spinner');
    const group = join(budgets.dir, String(child.pid));
    assert.equal(await readFile(join(group, 'cgroup.procs'), 'utf8'), `${child.pid}\n`, 'the process sits in a group of its own');
    await budgets.enforce(true);
    assert.deepEqual(await cap(group), { quotaUs: 1_000, periodUs: 10_000 });
    const capped = await child.spin(600);
    // An upper bound only: a busy machine may give the process less than its budget, never more.
    assert.ok(capped <= 60 * 1.3, `capped at 0.1 CPU, 0.6 s of spinning got ${capped} ms of CPU`);
    assert.ok(capped > 0, 'and still ran');
    // A scenario may set its own budget (scale: --scale-budget).
    await budgets.enforce(true, 0.2);
    assert.deepEqual(await cap(group), { quotaUs: 2_000, periodUs: 10_000 });
    await budgets.enforce(false);
    assert.deepEqual(await cap(group), { quotaUs: null, periodUs: 10_000 });
  } finally {
    child.stop();
    await budgets.close();
  }
  assert.ok(!existsSync(budgets.dir), 'close() removed the groups');
  await assert.rejects(budgets.place(process.pid, 'late'), { code: 'ERR_STREAMERSON_CLOSED' });
});

/** The quota and period a group's files hold now (v2 `cpu.max` or v1 `cpu.cfs_*`); a null quota is no cap. */
async function cap(group: string): Promise<{ quotaUs: number | null; periodUs: number }> {
  if (existsSync(join(group, 'cpu.max'))) {
    const [quota, period] = (await readFile(join(group, 'cpu.max'), 'utf8')).trim().split(' ');
    return { quotaUs: quota === 'max' ? null : Number(quota), periodUs: Number(period) };
  }
  const quota = Number(await readFile(join(group, 'cpu.cfs_quota_us'), 'utf8'));
  return { quotaUs: quota < 0 ? null : quota, periodUs: Number(await readFile(join(group, 'cpu.cfs_period_us'), 'utf8')) };
}

for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  test(`budgets: when the bench dies by ${signal} before it closes them, its groups are removed all the same`, async (t) => {
    const probe = await CpuBudgets.open(0.1, 10);
    if (typeof probe === 'string') {
      assert.match(probe, /^CPU budgets /);
      t.diagnostic(probe);
      return;
    }
    await probe.close();
    const holder = spawn(process.execPath, [new URL('./fixtures/budget-holder.js', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
    holder.stdout.setEncoding('utf8');
    const [line] = (await once(holder.stdout, 'data')) as [string];
    const [dir, childPid] = line.trim().split(' ');
    assert.ok(existsSync(`${dir}/${childPid}`), 'the child sits in a group of its own');
    holder.kill(signal);
    await waitFor(() => !existsSync(dir!), { timeoutMs: 5_000, what: `${dir} to be removed` });
  });
}
