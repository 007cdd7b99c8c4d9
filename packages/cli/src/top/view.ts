/**
 * What the user chose to see in `top` — sort column and direction, filter,
 * which groups are expanded to their consumers, the selected row, the help
 * screen — and how keys change it.
 */
import type { GroupRow, TopicRow } from './snapshot.js';

export type SortKey = 'rate' | 'name' | 'length' | 'lag' | 'age';

/** Sort columns in the order the `s` key cycles through them. */
export const SORT_KEYS: readonly SortKey[] = ['rate', 'name', 'length', 'lag', 'age'];

export interface ViewState {
  readonly sort: SortKey;
  readonly descending: boolean;
  readonly filter: string;
  /** The filter being typed after `/`, undefined when not editing. */
  readonly editing: string | undefined;
  /** Index of the selected row among the rows shown. */
  readonly cursor: number;
  /** Groups shown with their consumers, as `<topic>\0<group>`. */
  readonly expanded: ReadonlySet<string>;
  /** Whether the help screen is shown. */
  readonly help: boolean;
}

export const INITIAL_VIEW: ViewState = { sort: 'rate', descending: true, filter: '', editing: undefined, cursor: 0, expanded: new Set(), help: false };

/** One line of the table: a topic, a group below it, a consumer below an expanded group. */
export type Row =
  | { readonly kind: 'topic'; readonly topic: TopicRow }
  | { readonly kind: 'group'; readonly topic: TopicRow; readonly group: GroupRow }
  | { readonly kind: 'consumer'; readonly topic: TopicRow; readonly group: GroupRow; readonly consumer: GroupRow['consumers'][number] };

/** What a key asks for beyond a new view: leaving (`q`), or stopping as Ctrl-C does (exit 130). */
export type KeyOutcome = ViewState | 'quit' | 'interrupt';

function lagOf(t: TopicRow): number {
  return t.groups.reduce((n, g) => n + (g.lag ?? 0), 0);
}

const COMPARE: Readonly<Record<SortKey, (a: TopicRow, b: TopicRow) => number>> = {
  rate: (a, b) => a.msgsPerSec.lastSecond - b.msgsPerSec.lastSecond || a.msgsPerSec.lastMinute - b.msgsPerSec.lastMinute,
  name: (a, b) => a.topic.localeCompare(b.topic),
  length: (a, b) => a.length - b.length,
  lag: (a, b) => lagOf(a) - lagOf(b),
  age: (a, b) => (b.lastMessageAgeMs ?? Infinity) - (a.lastMessageAgeMs ?? Infinity),
};

/** Topics matching the filter, sorted; ties by name so the rows do not jump. */
export function visibleTopics(topics: readonly TopicRow[], view: Pick<ViewState, 'sort' | 'descending' | 'filter'>): TopicRow[] {
  const sign = view.descending ? -1 : 1;
  return topics
    .filter((t) => view.filter === '' || t.topic.includes(view.filter))
    .sort((a, b) => sign * COMPARE[view.sort](a, b) || a.topic.localeCompare(b.topic));
}

/** The key of a group in {@link ViewState.expanded}. */
export function groupKey(topic: string, group: string): string {
  return `${topic}\u0000${group}`;
}

/** The rows shown: each visible topic, its groups, the consumers of expanded groups. */
export function rowsOf(topics: readonly TopicRow[], view: ViewState): Row[] {
  const rows: Row[] = [];
  for (const topic of visibleTopics(topics, view)) {
    rows.push({ kind: 'topic', topic });
    for (const group of topic.groups) {
      rows.push({ kind: 'group', topic, group });
      if (view.expanded.has(groupKey(topic.topic, group.name))) {
        for (const consumer of group.consumers) rows.push({ kind: 'consumer', topic, group, consumer });
      }
    }
  }
  return rows;
}

/** Keys of a terminal (raw mode), by the sequences terminals send for them. */
export const KEYS = Object.freeze({
  up: ['\x1b[A', '\x1bOA', 'k'],
  down: ['\x1b[B', '\x1bOB', 'j'],
  pageUp: ['\x1b[5~'],
  pageDown: ['\x1b[6~', ' '],
  home: ['\x1b[H', '\x1b[1~', '\x1bOH', 'g'],
  end: ['\x1b[F', '\x1b[4~', '\x1bOF', 'G'],
  toggle: ['\r', '\n', '\x1b[C', '\x1bOC'],
});

function clamp(n: number, rows: number): number {
  return Math.max(0, Math.min(n, rows - 1));
}

/** Expands or folds the group on (or the groups under) the selected row. */
function toggle(view: ViewState, rows: readonly Row[]): ViewState {
  const row = rows[view.cursor];
  if (row === undefined) return view;
  const groups = row.kind === 'topic' ? row.topic.groups.map((g) => groupKey(row.topic.topic, g.name)) : [groupKey(row.topic.topic, row.group.name)];
  const expanded = new Set(view.expanded);
  const open = groups.some((g) => !expanded.has(g));
  for (const g of groups) {
    if (open) expanded.add(g);
    else expanded.delete(g);
  }
  return { ...view, expanded };
}

/**
 * The view after a key. `rows` are the rows shown now and `page` how many fit
 * on the screen (for the cursor keys).
 */
export function applyKey(view: ViewState, key: string, rows: readonly Row[] = [], page = 1): KeyOutcome {
  if (key === '\x03') return 'interrupt';
  if (view.help) return key === 'q' ? 'quit' : { ...view, help: false };
  if (view.editing !== undefined) {
    if (key === '\r' || key === '\n') return { ...view, filter: view.editing, editing: undefined, cursor: 0 };
    if (key === '\x1b') return { ...view, editing: undefined };
    if (key === '\x7f' || key === '\b') return { ...view, editing: view.editing.slice(0, -1) };
    return /^[\x20-\x7e]+$/.test(key) ? { ...view, editing: view.editing + key } : view;
  }
  const move = (cursor: number): ViewState => ({ ...view, cursor: clamp(cursor, rows.length) });
  if (KEYS.up.includes(key)) return move(view.cursor - 1);
  if (KEYS.down.includes(key)) return move(view.cursor + 1);
  if (KEYS.pageUp.includes(key)) return move(view.cursor - page);
  if (KEYS.pageDown.includes(key)) return move(view.cursor + page);
  if (KEYS.home.includes(key)) return move(0);
  if (KEYS.end.includes(key)) return move(rows.length - 1);
  if (KEYS.toggle.includes(key)) return toggle(view, rows);
  switch (key) {
    case 'q':
      return 'quit';
    case '?':
    case 'h':
      return { ...view, help: true };
    case 'e': {
      // Everything expanded, or everything folded when it already was.
      const all = rows.flatMap((r) => (r.kind === 'group' ? [groupKey(r.topic.topic, r.group.name)] : []));
      const folded = all.some((g) => !view.expanded.has(g));
      return { ...view, expanded: folded ? new Set([...view.expanded, ...all]) : new Set() };
    }
    case 's': {
      // Names read best A to Z; every figure reads best largest first.
      const sort = SORT_KEYS[(SORT_KEYS.indexOf(view.sort) + 1) % SORT_KEYS.length]!;
      return { ...view, sort, descending: sort !== 'name' };
    }
    case 'r':
      return { ...view, descending: !view.descending };
    case '/':
      return { ...view, editing: '' };
    case 'c':
      return { ...view, filter: '', cursor: 0 };
    default:
      return view;
  }
}

/**
 * The keys in one read from a raw terminal: typed or pasted text arrives as
 * several characters at once; an escape sequence (an arrow key, PgUp) stays
 * whole.
 */
export function splitKeys(data: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < data.length; ) {
    const rest = data.slice(i);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a terminal's escape sequences start with ESC.
    const sequence = data[i] === '\x1b' ? /^\x1b\[[0-9;]*[@-~]|^\x1bO[@-~]/.exec(rest) : null;
    const key = sequence?.[0] ?? data[i]!;
    keys.push(key);
    i += key.length;
  }
  return keys;
}
