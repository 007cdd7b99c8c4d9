/** Number formatting shared by the Markdown report and the chart. */

/** Whole number with thousands separators. */
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');
/** Fixed decimals. */
export const fixed = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
/** Target met or not, bold when not. */
export const mark = (ok: boolean): string => (ok ? 'yes' : '**no**');
