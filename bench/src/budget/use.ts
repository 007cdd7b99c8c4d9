/**
 * How close each process came to its CPU budget in a run: the figures that
 * say which budget binds. Every process but the load generator (the bench
 * process) has one.
 */
import { fixed } from '../format.js';
import { CLIENT_PROCESS, type SideResult } from '../measure.js';

/** Share of its budget a process must use to count as the one that binds. */
export const BINDING_SHARE = 0.9;

/** The budgeted process that used the largest share of its budget, and that share. */
export function busiest(side: SideResult, cpus: number): { readonly process: string; readonly share: number } {
  let best = { process: '–', share: 0 };
  for (const [process, used] of Object.entries(side.cpusUsed)) {
    if (process !== CLIENT_PROCESS && used / cpus > best.share) best = { process, share: used / cpus };
  }
  return best;
}

/**
 * Who binds: the busiest budgeted process when it used at least
 * {@link BINDING_SHARE} of its budget, else nobody's budget (the load
 * generator, the loop's concurrency or round trips set the rate).
 */
export function binding(side: SideResult, cpus: number): string {
  const { process, share } = busiest(side, cpus);
  return share >= BINDING_SHARE ? process : 'no budget';
}

/** `gateway 97 % · worker 45 % · redis-server 38 % · bench 0.21 CPU`: each budgeted process's share of its budget, the load generator's CPUs. */
export function describeUse(side: SideResult, cpus: number): string {
  return Object.entries(side.cpusUsed)
    .map(([process, used]) => (process === CLIENT_PROCESS ? `${process} ${fixed(used)} CPU` : `${process} ${fixed((used / cpus) * 100, 0)} %`))
    .join(' · ');
}
