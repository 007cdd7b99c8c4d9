/** Number formatting shared by the Markdown report and the chart. */
import type { SideResult } from './measure.js';

/** Whole number with thousands separators. */
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');
/** Fixed decimals. */
export const fixed = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
/** Target met or not, bold when not. */
export const mark = (ok: boolean): string => (ok ? 'yes' : '**no**');

/** Heading of a column of {@link cpuByProcess}, for CPU per `what`. */
export const cpuHeading = (what: string): string => `CPU µs per ${what}, by process (sys: of it in the kernel)`;

/**
 * `gateway 66.5 (sys 12.0) · worker 27.9 (sys 6.1)`: CPU µs per message of
 * each process, divided by `per` (e.g. per subscriber of a fan-out).
 */
export function cpuByProcess(side: Pick<SideResult, 'cpuUsPerMsg' | 'systemUsPerMsg'>, per = 1, digits = 1): string {
  return Object.entries(side.cpuUsPerMsg)
    .map(([process, us]) => `${process} ${fixed(us / per, digits)} (sys ${fixed((side.systemUsPerMsg[process] ?? Number.NaN) / per, digits)})`)
    .join(' · ');
}
