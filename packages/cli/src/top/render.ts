/** `top` as lines of text: header, one row per topic, its groups below it, totals, key help. */
import { formatAge, formatBytes, formatCount } from '../inspect/units.js';
import type { Snapshot, TopicRow } from './snapshot.js';
import { visibleTopics, type ViewState } from './view.js';

const COLUMNS = [
  ['TOPIC', 28],
  ['SHARDS', 6],
  ['LENGTH', 8],
  ['MSG/S', 8],
  ['MSG/S 1m', 9],
  ['B/S', 8],
  ['B/S 1m', 8],
  ['LAST', 6],
  ['DLQ', 6],
] as const;

function cells(values: readonly string[]): string {
  return values
    .map((v, i) => {
      const [, width] = COLUMNS[i]!;
      const text = v.length > width ? v.slice(0, width - 1) + '…' : v;
      return i === 0 ? text.padEnd(width) : text.padStart(width);
    })
    .join(' ');
}

function topicLine(t: TopicRow): string {
  return cells([
    t.topic,
    String(t.shards),
    formatCount(t.length),
    formatCount(t.msgsPerSec.lastSecond),
    formatCount(t.msgsPerSec.lastMinute),
    formatBytes(t.bytesPerSec.lastSecond),
    formatBytes(t.bytesPerSec.lastMinute),
    t.lastMessageAgeMs === null ? '-' : formatAge(t.lastMessageAgeMs),
    formatCount(t.deadLetters),
  ]);
}

/** The screen for a snapshot, `width` columns wide. */
export function renderTop(snapshot: Snapshot, view: ViewState, url: string, width: number): string[] {
  const shown = visibleTopics(snapshot.topics, view);
  const sort = `sort: ${view.sort} ${view.descending ? '↓' : '↑'}`;
  const filter = view.editing !== undefined ? `filter: ${view.editing}_` : view.filter === '' ? '' : `filter: ${view.filter}`;
  const lines = [
    `streamerson top — ${url} — ${snapshot.time.slice(11, 19)}   ${sort}   ${filter}`.trimEnd(),
    '',
    '\x1b[7m' + cells(COLUMNS.map(([name]) => name)) + '\x1b[0m',
  ];
  for (const t of shown) {
    lines.push(topicLine(t));
    for (const g of t.groups) {
      lines.push(`  └ group ${g.name}  lag ${g.lag ?? '?'}  pending ${g.pending}  consumers ${g.consumersOnline} online / ${g.consumersIdle} idle`);
    }
  }
  const s = snapshot.totals;
  lines.push(
    '',
    `TOTAL ${s.topics} topics  length ${formatCount(s.length)}  ${formatCount(s.msgsPerSec.lastSecond)} msg/s (1m ${formatCount(s.msgsPerSec.lastMinute)})  ` +
      `${formatBytes(s.bytesPerSec.lastSecond)}/s  lag ${formatCount(s.lag)}  pending ${formatCount(s.pending)}  dead letters ${formatCount(s.deadLetters)}`,
    'keys: q quit  s sort  r reverse  / filter  c clear filter',
  );
  // Cut by characters, not bytes; escape sequences only sit on the header row, which fits.
  return lines.map((l) => (l.length > width && !l.startsWith('\x1b') ? l.slice(0, width) : l));
}
