/** What the user chose to see in `top`: sort column, direction, filter; changed by keys. */
import type { TopicRow } from './snapshot.js';

export type SortKey = 'rate' | 'name' | 'length' | 'lag' | 'age';

/** Sort columns in the order the `s` key cycles through them. */
export const SORT_KEYS: readonly SortKey[] = ['rate', 'name', 'length', 'lag', 'age'];

export interface ViewState {
  readonly sort: SortKey;
  readonly descending: boolean;
  readonly filter: string;
  /** The filter being typed after `/`, undefined when not editing. */
  readonly editing: string | undefined;
}

export const INITIAL_VIEW: ViewState = { sort: 'rate', descending: true, filter: '', editing: undefined };

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
export function visibleTopics(topics: readonly TopicRow[], view: ViewState): TopicRow[] {
  const sign = view.descending ? -1 : 1;
  return topics
    .filter((t) => view.filter === '' || t.topic.includes(view.filter))
    .sort((a, b) => sign * COMPARE[view.sort](a, b) || a.topic.localeCompare(b.topic));
}

/** The new state after a key; `quit` when the user asked to leave. */
export function applyKey(view: ViewState, key: string): ViewState | 'quit' {
  if (view.editing !== undefined) {
    if (key === '\r' || key === '\n') return { ...view, filter: view.editing, editing: undefined };
    if (key === '\x1b') return { ...view, editing: undefined };
    if (key === '\x7f' || key === '\b') return { ...view, editing: view.editing.slice(0, -1) };
    if (key === '\x03') return 'quit';
    return /^[\x20-\x7e]+$/.test(key) ? { ...view, editing: view.editing + key } : view;
  }
  switch (key) {
    case 'q':
    case '\x03':
      return 'quit';
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
      return { ...view, filter: '' };
    default:
      return view;
  }
}

/**
 * The keys in one read from a raw terminal: typed or pasted text arrives as
 * several characters at once; an escape sequence (an arrow key) stays whole.
 */
export function splitKeys(data: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < data.length; ) {
    const sequence = data[i] === '\x1b' && data[i + 1] === '[' ? /^\x1b\[[0-9;]*[@-~]/.exec(data.slice(i)) : null;
    const key = sequence?.[0] ?? data[i]!;
    keys.push(key);
    i += key.length;
  }
  return keys;
}
