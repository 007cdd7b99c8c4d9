/**
 * CPU budgets: every server process of a budgeted run (gateway or front,
 * worker or back end, redis-server) gets a cgroup of its own with the same
 * CPU quota, so that it behaves as if it had a small machine of its own; the
 * bench process, which generates the load, stays outside. Processes are
 * placed in their groups once, uncapped; `enforce(true)` caps every group and
 * `enforce(false)` lifts the caps, so the same processes serve both modes.
 *
 * The groups live under one directory per run, removed by `close()`, and by
 * a reaper process if the bench dies first (a crash, Ctrl-C): the reaper holds
 * a pipe to the bench and removes the directory when the pipe closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamersonError } from '@streamerson/core';
import { CpuGroup, findCpuController, removeGroupTree, type CpuController } from './cgroup.js';

/** Default CPU budget of each server process, in CPUs. */
export const DEFAULT_BUDGET_CPUS = 0.3;
/**
 * Default CPU budget of each server process in `scale`: its largest
 * configuration (4 workers, a gateway and redis-server, 6 budgets) then sums
 * to 1.2 CPUs, under the 2 cores with room for the load generator, so that a
 * budget binds rather than the machine.
 */
export const DEFAULT_SCALE_BUDGET_CPUS = 0.2;
/**
 * Default period of the quota, ms. The kernel hands out the quota per period
 * and stops a group that used it up until the next one: a short period keeps
 * that pause short (at 0.3 CPU and 10 ms, at most 7 ms), so throttling adds
 * to latency no more than a few ms, while the scheduler's bookkeeping per
 * period stays negligible (the kernel's default period is 100 ms).
 */
export const DEFAULT_BUDGET_PERIOD_MS = 10;

const REAPER = new URL('../workers/cgroup-reaper.js', import.meta.url);

/** Budgets as set up for a run. */
export interface BudgetInfo {
  /** CPUs each budgeted process may use. */
  readonly cpus: number;
  readonly periodMs: number;
  /** Which kernel interface sets them. */
  readonly cgroup: 'v1 cpu.cfs_quota_us' | 'v2 cpu.max';
}

/** The CPU groups of one bench run. */
export class CpuBudgets {
  private readonly groups = new Map<number, { readonly group: CpuGroup; readonly label: string }>();
  /** The cap of every group now, in CPUs; null: no cap. */
  private cap: number | null = null;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly controller: CpuController,
    private readonly root: CpuGroup,
    private readonly reaper: ChildProcess,
    readonly info: BudgetInfo,
  ) {}

  /**
   * Sets up the run's directory of groups, or resolves with one line saying
   * why budgets cannot be set here (not root, no cpu controller, no write
   * access), in which case the bench runs without them.
   */
  static async open(cpus: number, periodMs: number): Promise<CpuBudgets | string> {
    if (process.platform !== 'linux') return `CPU budgets need Linux cgroups; this is ${process.platform}`;
    if (userInfo().uid !== 0) return 'CPU budgets need root (cgroup files are root-owned)';
    const [mountinfo, procCgroup] = await Promise.all([readFile('/proc/self/mountinfo', 'utf8'), readFile('/proc/self/cgroup', 'utf8')]);
    const controller = await findCpuController(mountinfo, procCgroup, (dir) => readFile(join(dir, 'cgroup.controllers'), 'utf8'));
    if (typeof controller === 'string') return `CPU budgets unavailable: ${controller}`;
    const root = new CpuGroup(controller, join(controller.home, `streamerson-bench-${process.pid}`));
    try {
      await root.create(true);
    } catch (err) {
      return `CPU budgets unavailable: cannot create ${root.dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    }
    const reaper = spawn(process.execPath, [fileURLToPath(REAPER), String(controller.version), controller.home, root.dir], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    reaper.unref();
    (reaper.stdin as unknown as { unref(): void } | null)?.unref();
    const info: BudgetInfo = { cpus, periodMs, cgroup: controller.version === 2 ? 'v2 cpu.max' : 'v1 cpu.cfs_quota_us' };
    return new CpuBudgets(controller, root, reaper, info);
  }

  /** The run's directory of groups, one below it per budgeted process. */
  get dir(): string {
    return this.root.dir;
  }

  /** Whether the caps are on now. */
  get enforcing(): boolean {
    return this.cap !== null;
  }

  /** Puts process `pid` (`label` names it in errors) into a group of its own, capped if the caps are on now. */
  async place(pid: number, label: string): Promise<void> {
    if (this.closing !== undefined) throw new StreamersonError('ERR_STREAMERSON_CLOSED', 'the CPU budgets are closed');
    const group = new CpuGroup(this.controller, join(this.root.dir, String(pid)));
    try {
      await group.create();
      await group.limit(this.cap, this.periodUs);
      await group.adopt(pid);
    } catch (err) {
      throw new StreamersonError('ERR_STREAMERSON_INTERNAL', `cannot put ${label} (pid ${pid}) in a CPU budget: ${(err as Error).message}`, { cause: err });
    }
    this.groups.set(pid, { group, label });
  }

  /**
   * Caps every placed process at `cpus` (`true`; default the run's budget, a
   * scenario may set its own) or lifts the caps (`false`); groups whose
   * process has exited are removed.
   */
  async enforce(on: boolean, cpus = this.info.cpus): Promise<void> {
    this.cap = on ? cpus : null;
    for (const [pid, { group, label }] of this.groups) {
      if ((await group.pids()).length === 0) {
        this.groups.delete(pid);
        await removeGroupTree(this.controller, group.dir);
        continue;
      }
      try {
        await group.limit(this.cap, this.periodUs);
      } catch (err) {
        throw new StreamersonError(
          'ERR_STREAMERSON_INTERNAL',
          `cannot ${on ? 'set' : 'lift'} the CPU budget of ${label} (pid ${pid}): ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
  }

  /** Removes every group (processes still in one go back to the bench's own group) and stops the reaper. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.groups.clear();
      try {
        await removeGroupTree(this.controller, this.root.dir);
      } finally {
        this.reaper.stdin?.end();
      }
    })();
    return this.closing;
  }

  private get periodUs(): number {
    return Math.round(this.info.periodMs * 1_000);
  }
}
