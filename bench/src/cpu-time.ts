/**
 * CPU time of one process, split as the kernel accounts it: user mode (the
 * process's own code) and system (the kernel working on its behalf, its
 * system calls above all). The split shows whether a process spends its
 * budget running its own code or crossing into the kernel.
 */

/** CPU time, ms. */
export interface CpuTime {
  readonly userMs: number;
  readonly systemMs: number;
}

/** A CPU time from `process.cpuUsage()` (µs). */
export function fromCpuUsage(usage: NodeJS.CpuUsage): CpuTime {
  return { userMs: usage.user / 1_000, systemMs: usage.system / 1_000 };
}

/** The CPU time between two readings of one process. */
export function cpuSince(before: CpuTime, after: CpuTime): CpuTime {
  return { userMs: after.userMs - before.userMs, systemMs: after.systemMs - before.systemMs };
}

/** User + system, ms. */
export function totalMs(t: CpuTime): number {
  return t.userMs + t.systemMs;
}
