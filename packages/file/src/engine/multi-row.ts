import type { FileStore } from './store.js';

/**
 * Rows per statement of {@link runRows}, largest first: a batch runs as few
 * statements as these sizes allow, and each size is one prepared statement.
 */
export const ROWS_PER_STATEMENT = Object.freeze([64, 16, 4, 1]);

/**
 * Runs one statement for many rows — `head` followed by `size` copies of
 * `row` joined by `joiner`, then `tail` — for every row of `rows` (each the
 * parameters of one copy of `row`, `shared` first in every statement): one
 * statement per 64 rows rather than one per row. Returns the rows changed.
 */
export function runRows(
  store: FileStore,
  sql: { readonly head: string; readonly row: string; readonly joiner: string; readonly tail?: string },
  shared: readonly unknown[],
  rows: readonly (readonly unknown[])[],
): number {
  let changes = 0;
  let i = 0;
  for (const size of ROWS_PER_STATEMENT) {
    if (rows.length - i < size) continue;
    const statement = store.sql(`${sql.head}${Array.from({ length: size }, () => sql.row).join(sql.joiner)}${sql.tail ?? ''}`);
    for (; rows.length - i >= size; i += size) {
      const params: unknown[] = [...shared];
      for (let j = i; j < i + size; j++) for (const p of rows[j]!) params.push(p);
      changes += statement.run(params).changes;
    }
  }
  return changes;
}
