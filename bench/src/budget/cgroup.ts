/**
 * The kernel's CPU controller, as far as the bench uses it: where it is
 * mounted (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`),
 * and the few file operations a budget needs — make a group, cap it, move a
 * process into it, and take the groups away again.
 */
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@streamerson/testkit';

/** Where this process's CPU controller lives. */
export interface CpuController {
  /** 2: the unified hierarchy (`cpu.max`); 1: the legacy `cpu` hierarchy (`cpu.cfs_*`). */
  readonly version: 1 | 2;
  /** Directory of this process's own cgroup in that hierarchy; the bench's groups go below it. */
  readonly home: string;
}

interface Mount {
  readonly root: string;
  readonly point: string;
  readonly type: string;
  readonly superOptions: readonly string[];
}

/** Mount points are octal-escaped in mountinfo (`\040` for a space). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function parseMounts(mountinfo: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const fields = before.split(' ');
    const [type, , superOptions = ''] = after.split(' ');
    if (fields[3] === undefined || fields[4] === undefined || type === undefined) continue;
    mounts.push({ root: unescapeMountPath(fields[3]), point: unescapeMountPath(fields[4]), type, superOptions: superOptions.split(',') });
  }
  return mounts;
}

/** The process's path in a hierarchy, made relative to the mount's root (a container may mount a subtree). */
function below(mount: Mount, cgroupPath: string): string {
  const relative = mount.root !== '/' && cgroupPath.startsWith(mount.root) ? cgroupPath.slice(mount.root.length) : cgroupPath;
  return join(mount.point, relative);
}

/**
 * Finds the CPU controller from the text of `/proc/self/mountinfo` and
 * `/proc/self/cgroup`: the unified hierarchy when `cpu` is among the
 * controllers it offers (`cpuControllersOf` reads a directory's
 * `cgroup.controllers`), else a v1 hierarchy mounted with the `cpu` option.
 * Returns a sentence saying why when there is none.
 */
export async function findCpuController(
  mountinfo: string,
  procCgroup: string,
  cpuControllersOf: (dir: string) => Promise<string>,
): Promise<CpuController | string> {
  const mounts = parseMounts(mountinfo);
  const paths = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match !== null) paths.set(match[1]!, match[2]!);
  }
  const unified = mounts.find((m) => m.type === 'cgroup2');
  const unifiedPath = paths.get('');
  if (unified !== undefined && unifiedPath !== undefined) {
    const home = below(unified, unifiedPath);
    const controllers = await cpuControllersOf(home).catch(() => '');
    if (controllers.split(/\s+/).includes('cpu')) return { version: 2, home };
  }
  const legacy = mounts.find((m) => m.type === 'cgroup' && m.superOptions.includes('cpu'));
  if (legacy !== undefined) {
    const entry = [...paths].find(([controllers]) => controllers.split(',').includes('cpu'));
    if (entry !== undefined) return { version: 1, home: below(legacy, entry[1]) };
  }
  return 'no cgroup hierarchy offers the cpu controller';
}

/** The quota, µs per period of `periodUs`, that gives `cpus` CPUs, or none (`null`). */
export function quotaUs(cpus: number | null, periodUs: number): number | null {
  return cpus === null ? null : Math.round(cpus * periodUs);
}

/** One cgroup directory of the CPU controller. */
export class CpuGroup {
  constructor(
    readonly controller: CpuController,
    readonly dir: string,
  ) {}

  /**
   * Creates the directory. On v2 the cpu controller must be handed down
   * explicitly: for the bench's top group (`parent`), from the bench's own
   * group to it and from it to the groups below.
   */
  async create(parent = false): Promise<void> {
    if (parent && this.controller.version === 2) await writeFile(join(this.controller.home, 'cgroup.subtree_control'), '+cpu');
    await mkdir(this.dir);
    if (parent && this.controller.version === 2) await writeFile(join(this.dir, 'cgroup.subtree_control'), '+cpu');
  }

  /** Caps the group at `cpus` CPUs per period of `periodUs`, or lifts the cap (`null`). */
  async limit(cpus: number | null, periodUs: number): Promise<void> {
    const quota = quotaUs(cpus, periodUs);
    if (this.controller.version === 2) {
      await writeFile(join(this.dir, 'cpu.max'), `${quota ?? 'max'} ${periodUs}`);
      return;
    }
    await writeFile(join(this.dir, 'cpu.cfs_period_us'), String(periodUs));
    await writeFile(join(this.dir, 'cpu.cfs_quota_us'), String(quota ?? -1));
  }

  /** Moves process `pid` with all its threads into the group. */
  async adopt(pid: number): Promise<void> {
    await writeFile(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** Pids of the processes in the group now. */
  async pids(): Promise<number[]> {
    const text = await readFile(join(this.dir, 'cgroup.procs'), 'utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  }
}

/**
 * Removes the group at `dir` and every group below it: processes still in
 * them go back to `home` (a child that outlived the bench is not killed here;
 * it dies of its own when the bench's channel closes), then each directory is
 * removed, the deepest first. Tolerates directories already gone.
 */
export async function removeGroupTree(controller: CpuController, dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of entries) await removeGroupTree(controller, join(dir, name));
  const group = new CpuGroup(controller, dir);
  const home = new CpuGroup(controller, controller.home);
  for (const pid of await group.pids().catch(() => [])) await home.adopt(pid).catch(() => undefined);
  await rmdirWhenEmpty(dir);
}

/** A group whose last process just exited may still count it for a moment: rmdir is retried on EBUSY, for a bounded time. */
async function rmdirWhenEmpty(dir: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        await rmdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      return true;
    },
    { timeoutMs: RMDIR_TIMEOUT_MS, what: `cgroup ${dir} to be removed` },
  );
}

/** How long a group the kernel still reports busy is retried before its removal fails. */
const RMDIR_TIMEOUT_MS = 2_000;
