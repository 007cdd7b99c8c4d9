/** Number formatting shared by the Markdown report and the chart. */

/** Whole number with thousands separators. */
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');
/** Fixed decimals. */
export const fixed = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
/** Target met or not, bold when not. */
export const mark = (ok: boolean): string => (ok ? 'yes' : '**no**');

/** CPU per message of each process, as a side's result carries it: in all, and the part of it spent in the kernel. */
export interface CpuPerMessage {
  readonly cpuUsPerMsg: Readonly<Record<string, number>>;
  readonly systemUsPerMsg: Readonly<Record<string, number>>;
}

/** Heading of a column of {@link cpuByProcess}, for CPU per `what`. */
export const cpuHeading = (what: string): string => `CPU µs per ${what}, by process (sys: of it in the kernel)`;

/**
 * `gateway 66.5 (sys 12.0) · worker 27.9 (sys 6.1)`: CPU µs per message of
 * each process, divided by `per` (e.g. per subscriber of a fan-out).
 */
export function cpuByProcess(side: CpuPerMessage, per = 1, digits = 1): string {
  return Object.entries(side.cpuUsPerMsg)
    .map(([process, us]) => `${process} ${fixed(us / per, digits)} (sys ${fixed((side.systemUsPerMsg[process] ?? Number.NaN) / per, digits)})`)
    .join(' · ');
}
