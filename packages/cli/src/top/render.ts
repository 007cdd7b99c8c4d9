/**
 * `top` as lines of text. The live screen is exactly the terminal's size: the
 * title and the column header stay at the top, the totals and the keys at the
 * bottom, and the rows between them scroll, with the selected row marked and
 * the position shown. Columns adapt to the width: the topic column takes what
 * is left, and on a narrow terminal the least useful columns go first.
 */
import { formatAge, formatBytes, formatCount, plural } from '../inspect/units.js';
import { totalsOf, type Snapshot, type Totals, type TopicRow } from './snapshot.js';
import { rowsOf, visibleTopics, type Row, type ViewState } from './view.js';

interface Column {
  readonly name: string;
  readonly width: number;
  /** Lower goes last when the terminal is narrow. */
  readonly keep: number;
  readonly cell: (t: TopicRow) => string;
}

const COLUMNS: readonly Column[] = [
  { name: 'SHARDS', width: 6, keep: 2, cell: (t) => String(t.shards) },
  { name: 'LENGTH', width: 8, keep: 6, cell: (t) => formatCount(t.length) },
  { name: 'MSG/S', width: 8, keep: 7, cell: (t) => formatCount(t.msgsPerSec.lastSecond) },
  { name: 'MSG/S 1m', width: 8, keep: 4, cell: (t) => formatCount(t.msgsPerSec.lastMinute) },
  { name: 'B/S', width: 7, keep: 3, cell: (t) => formatBytes(t.bytesPerSec.lastSecond) },
  { name: 'B/S 1m', width: 7, keep: 1, cell: (t) => formatBytes(t.bytesPerSec.lastMinute) },
  { name: 'LAG', width: 7, keep: 5, cell: (t) => formatCount(t.groups.reduce((n, g) => n + (g.lag ?? 0), 0)) },
  { name: 'LAST', width: 6, keep: 6, cell: (t) => (t.lastMessageAgeMs === null ? '-' : formatAge(t.lastMessageAgeMs)) },
  { name: 'DLQ', width: 6, keep: 6, cell: (t) => formatCount(t.deadLetters) },
];

/** Narrowest topic column. */
const MIN_TOPIC_WIDTH = 12;
/** The row marker before each row: `>` on the selected one. */
const MARKER_WIDTH = 2;
const INVERSE = '\x1b[7m';
const RESET = '\x1b[0m';

/** Lines above and below the rows: title, header; totals, keys. */
export const CHROME_LINES = 4;

interface Layout {
  readonly topicWidth: number;
  readonly columns: readonly Column[];
}

/** The columns that fit `width`, and the topic column's width; the topic column never wider than the longest name. */
export function layout(width: number, topics: readonly TopicRow[]): Layout {
  const columns = [...COLUMNS];
  const used = () => MARKER_WIDTH + columns.reduce((n, c) => n + c.width + 1, 0);
  while (columns.length > 0 && width - used() < MIN_TOPIC_WIDTH) {
    const drop = columns.reduce((low, c) => (c.keep < low.keep ? c : low));
    columns.splice(columns.indexOf(drop), 1);
  }
  const longest = topics.reduce((n, t) => Math.max(n, t.topic.length), 'TOPIC'.length);
  return { topicWidth: Math.max(MIN_TOPIC_WIDTH, Math.min(width - used(), longest + 1)), columns };
}

/** `text` cut to `width` characters, with `…` when cut. */
function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

function tableLine(l: Layout, first: string, cells: readonly string[]): string {
  return [first.padEnd(l.topicWidth).slice(0, l.topicWidth), ...cells.map((c, i) => fit(c, l.columns[i]!.width).padStart(l.columns[i]!.width))].join(' ');
}

function rowText(row: Row, l: Layout, width: number): string {
  switch (row.kind) {
    case 'topic':
      return tableLine(
        l,
        fit(row.topic.topic, l.topicWidth),
        l.columns.map((c) => c.cell(row.topic)),
      );
    case 'group': {
      const g = row.group;
      return fit(`  └ group ${g.name}  lag ${g.lag ?? '?'}  pending ${g.pending}  consumers ${g.consumersOnline} online / ${g.consumersIdle} idle`, width);
    }
    case 'consumer': {
      const c = row.consumer;
      const idle = c.idleMs === null ? 'no delivery yet' : `idle ${formatAge(c.idleMs)}`;
      return fit(`      · ${c.name}  pending ${c.pending}  ${idle}  ${c.online ? 'online' : 'idle'}`, width);
    }
  }
}

function totalsLine(s: Totals): string {
  return (
    `TOTAL ${plural(s.topics, 'topic')}  length ${formatCount(s.length)}  ${formatCount(s.msgsPerSec.lastSecond)} msg/s (1m ${formatCount(s.msgsPerSec.lastMinute)})  ` +
    `${formatBytes(s.bytesPerSec.lastSecond)}/s  lag ${formatCount(s.lag)}  pending ${formatCount(s.pending)}  DLQ ${formatCount(s.deadLetters)}`
  );
}

function titleLine(snapshot: Snapshot, view: ViewState, url: string): string {
  const sort = `sort: ${view.sort} ${view.descending ? '↓' : '↑'}`;
  const filter = view.editing !== undefined ? `filter: ${view.editing}_` : view.filter === '' ? '' : `filter: ${view.filter}`;
  return `streamerson top — ${url} — ${snapshot.time.slice(11, 19)}   ${sort}   ${filter}`.trimEnd();
}

/** The first row shown so that the cursor is on screen. */
export function scrollTop(cursor: number, rows: number, page: number): number {
  if (rows <= page) return 0;
  return Math.max(0, Math.min(cursor - Math.floor(page / 2), rows - page));
}

/** Rows the live screen has room for at `height`. */
export function pageOf(height: number): number {
  return Math.max(1, height - CHROME_LINES);
}

const HELP = [
  'streamerson top — keys',
  '',
  '  ↑ ↓  j k        move the selection',
  '  PgUp PgDn space  a page up or down',
  '  Home End  g G   first or last row',
  '  Enter →         show or hide the consumers of the selected group (or of every group of a topic)',
  '  e               show or hide the consumers of every group',
  '  s  r            next sort column (rate, name, length, lag, age); reverse it',
  '  /  c            type a filter (Enter applies, Esc cancels); clear it',
  '  ?  h            this help (any key closes it)',
  '  q               quit (exit 0); Ctrl-C quits with 130',
  '',
  'Rows: a topic, then each consumer group (lag: not yet delivered; pending: delivered, not acknowledged;',
  'consumers online read within --idle-after or run in an instance the service registry has online).',
];

/** The live screen: exactly `height` lines of at most `width` characters. */
export function renderScreen(snapshot: Snapshot, view: ViewState, url: string, width: number, height: number): string[] {
  if (view.help) return [...HELP.map((l) => fit(l, width)), ...Array<string>(Math.max(0, height - HELP.length)).fill('')].slice(0, height);
  const shown = visibleTopics(snapshot.topics, view);
  const rows = rowsOf(snapshot.topics, view);
  const l = layout(width, shown);
  const page = pageOf(height);
  const cursor = Math.max(0, Math.min(view.cursor, rows.length - 1));
  const first = scrollTop(cursor, rows.length, page);
  const body = rows.slice(first, first + page).map((row, i) => (first + i === cursor ? '> ' : '  ') + rowText(row, l, width - MARKER_WIDTH));
  const position = rows.length === 0 ? 'no topics' : `rows ${first + 1}-${first + body.length} of ${rows.length}`;
  const keys = '? help  q quit  ↑↓ PgUp PgDn scroll  Enter consumers  s sort  / filter';
  return [
    fit(titleLine(snapshot, view, url), width),
    INVERSE +
      (
        ' '.repeat(MARKER_WIDTH) +
        tableLine(
          l,
          'TOPIC',
          l.columns.map((c) => c.name),
        )
      )
        .padEnd(width)
        .slice(0, width) +
      RESET,
    ...body,
    ...Array<string>(page - body.length).fill(''),
    fit(totalsLine(totalsOf(shown)), width),
    fit(`${position}  ${keys}`, width),
  ];
}

/** One snapshot as plain text (`--once`): every row, every group's consumers, the totals; no escape codes. */
export function renderText(snapshot: Snapshot, view: ViewState, url: string, width: number): string[] {
  const shown = visibleTopics(snapshot.topics, view);
  const l = layout(width, shown);
  const all = new Set(shown.flatMap((t) => t.groups.map((g) => `${t.topic}\u0000${g.name}`)));
  const rows = rowsOf(snapshot.topics, { ...view, expanded: all });
  return [
    fit(titleLine(snapshot, view, url), width),
    (
      ' '.repeat(MARKER_WIDTH) +
      tableLine(
        l,
        'TOPIC',
        l.columns.map((c) => c.name),
      )
    ).trimEnd(),
    ...rows.map((row) => `  ${rowText(row, l, width - MARKER_WIDTH)}`.trimEnd()),
    '',
    fit(totalsLine(totalsOf(shown)), width),
  ];
}
