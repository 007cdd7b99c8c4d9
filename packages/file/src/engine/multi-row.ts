import type { FileStore } from './store.js';

/**
 * Rows per statement of {@link runRows}, largest first: a batch runs as few
 * statements as these sizes allow, and each size is one prepared statement.
 */
export const ROWS_PER_STATEMENT = Object.freeze([64, 16, 4, 1]);

/**
 * Runs one statement for many rows — `head` followed by `size` copies of
 * `row` joined by `joiner` — for every row of `rows` (each the
 * anonymous parameters of one copy of `row`), with `shared` bound by name in
 * every statement (a value every row has, such as the stream's name: bound
 * once per statement rather than once per row, which for a string is a
 * copy): one statement per 64 rows rather than one per row. Returns the rows
 * changed.
 */
export function runRows(
  store: FileStore,
  sql: { readonly head: string; readonly row: string; readonly joiner: string },
  shared: Readonly<Record<string, unknown>>,
  rows: readonly (readonly unknown[])[],
): number {
  let changes = 0;
  let i = 0;
  for (const size of ROWS_PER_STATEMENT) {
    if (rows.length - i < size) continue;
    const statement = store.sql(`${sql.head}${Array.from({ length: size }, () => sql.row).join(sql.joiner)}`);
    for (; rows.length - i >= size; i += size) {
      const params: unknown[] = [];
      for (let j = i; j < i + size; j++) for (const p of rows[j]!) params.push(p);
      changes += statement.run(params, shared).changes;
    }
  }
  return changes;
}
