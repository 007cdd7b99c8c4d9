/**
 * The SVG chart of a run, built as a string (no charting dependency): one
 * group per comparison, one row per side, throughput bars (or the measure the
 * group names: delivery latency, RSS) with their min–max spread on the left,
 * p99 latency bars on the right. Each group has its own
 * scale, because msgs/s of a pipelined producer and req/s of a single caller
 * differ by orders of magnitude.
 */
import { fixed, int } from './format.js';
import type { ChartGroup } from './scenario.js';

const WIDTH = 1100;
const LABEL_X = 16;
const BAR_X = 390;
const BAR_WIDTH = 300;
const P99_X = 830;
const P99_WIDTH = 180;
const TOP = 70;
const GROUP_HEADER = 24;
const ROW = 20;
const BAR_HEIGHT = 13;
const GROUP_GAP = 12;
const OURS_COLOR = '#2563eb';
const BASELINE_COLOR = '#9ca3af';

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x}" y="${y}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`;
}

function rect(x: number, y: number, w: number, color: string): string {
  return `<rect x="${x}" y="${y}" width="${Math.max(1, w).toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"/>`;
}

/** Whole numbers for rates, decimals for small quantities such as milliseconds. */
function amount(x: number): string {
  return x >= 100 ? int(x) : fixed(x, x >= 10 ? 1 : 2);
}

function groupSvg(group: ChartGroup, top: number): string[] {
  const out = [text(LABEL_X, top + 16, group.measure === undefined ? group.title : `${group.title} — ${group.measure}`, 'font-weight="bold"')];
  const maxRate = Math.max(...group.bars.map((b) => Math.max(b.value, b.max)));
  const maxP99 = Math.max(0, ...group.bars.map((b) => b.p99Ms ?? 0));
  group.bars.forEach((bar, i) => {
    const y = top + GROUP_HEADER + i * ROW;
    const color = bar.ours ? OURS_COLOR : BASELINE_COLOR;
    const scale = (x: number): number => (x / maxRate) * BAR_WIDTH;
    out.push(text(LABEL_X + 12, y + 11, bar.label));
    out.push(rect(BAR_X, y, scale(bar.value), color));
    // The spread of the measured runs, as a whisker across the bar's end.
    const mid = y + BAR_HEIGHT / 2;
    out.push(
      `<line x1="${(BAR_X + scale(bar.min)).toFixed(1)}" y1="${mid}" x2="${(BAR_X + scale(bar.max)).toFixed(1)}" y2="${mid}" stroke="#111827" stroke-width="1.5"/>`,
    );
    out.push(text(BAR_X + BAR_WIDTH + 8, y + 11, `${amount(bar.value)} ${group.unit}`));
    if (bar.p99Ms !== undefined && maxP99 > 0) {
      out.push(rect(P99_X, y, (bar.p99Ms / maxP99) * P99_WIDTH, color));
      out.push(text(P99_X + P99_WIDTH + 8, y + 11, `${fixed(bar.p99Ms)} ms`));
    } else if (group.measure === undefined) {
      out.push(text(P99_X, y + 11, 'not measured', 'fill="#6b7280"'));
    }
  });
  return out;
}

/** The SVG document for `groups`, headed by `title`. */
export function renderChart(groups: readonly ChartGroup[], title: string): string {
  const body: string[] = [];
  let y = TOP;
  for (const group of groups) {
    body.push(...groupSvg(group, y));
    y += GROUP_HEADER + group.bars.length * ROW + GROUP_GAP;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(LABEL_X, 24, title, 'font-size="15" font-weight="bold"'),
    text(BAR_X, 52, 'throughput (or the measure a group names), median of runs (line: min–max)', 'fill="#374151"'),
    text(P99_X, 52, 'p99 latency; shorter is better', 'fill="#374151"'),
    `<rect x="${LABEL_X}" y="42" width="10" height="10" fill="${OURS_COLOR}"/>`,
    text(LABEL_X + 14, 51, 'Streamerson', 'fill="#374151"'),
    `<rect x="${LABEL_X + 100}" y="42" width="10" height="10" fill="${BASELINE_COLOR}"/>`,
    text(LABEL_X + 114, 51, 'baseline', 'fill="#374151"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
