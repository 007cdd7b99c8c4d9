import type { FileStore } from './store.js';

/**
 * Rows per statement of {@link runRows}, largest first: a batch runs as few
 * statements as these sizes allow, and each size is one prepared statement.
 */
export const ROWS_PER_STATEMENT = Object.freeze([64, 16, 4, 1]);

/**
 * The texts of a statement of many rows, one per size of
 * {@link ROWS_PER_STATEMENT}: `head` followed by that many copies of `row`,
 * joined by ", ". Made once per statement, so that running it builds no text.
 */
export function multiRowSql(head: string, row: string): readonly string[] {
  return Object.freeze(ROWS_PER_STATEMENT.map((size) => head + Array.from({ length: size }, () => row).join(', ')));
}

/**
 * Runs a statement of many rows (`texts`, from {@link multiRowSql}) for every
 * row of `rows` (each the anonymous parameters of one copy of the row), with
 * `shared` bound by name in every statement (a value every row has, such as
 * the stream's name: bound once per statement rather than once per row, which
 * for a string is a copy): one statement per 64 rows rather than one per row.
 * Returns the rows changed.
 */
export function runRows(store: FileStore, texts: readonly string[], shared: Readonly<Record<string, unknown>>, rows: readonly (readonly unknown[])[]): number {
  let changes = 0;
  let i = 0;
  for (let k = 0; k < ROWS_PER_STATEMENT.length; k++) {
    const size = ROWS_PER_STATEMENT[k]!;
    if (rows.length - i < size) continue;
    const statement = store.sql(texts[k]!);
    for (; rows.length - i >= size; i += size) {
      const params: unknown[] = [];
      for (let j = i; j < i + size; j++) for (const p of rows[j]!) params.push(p);
      changes += statement.run(params, shared).changes;
    }
  }
  return changes;
}
