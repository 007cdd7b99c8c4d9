/**
 * Drives `total` messages through `fn` in batches, with up to `inFlight`
 * batches outstanding at once: the same pacing for both sides of a
 * comparison, so neither gets more pipelining than the other.
 */
export async function forEachBatch(total: number, batchSize: number, inFlight: number, fn: (start: number, end: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const start = next;
      next = Math.min(total, start + batchSize);
      await fn(start, next);
    }
  };
  const workers = Math.min(inFlight, Math.ceil(total / batchSize));
  await Promise.all(Array.from({ length: workers }, worker));
}

/** What {@link writeAll} drives: one side's writer. */
export interface Writer<T> {
  write(items: readonly T[], start: number, end: number): Promise<number>;
}

/** Writes `items[0…count)` through `writer` with {@link forEachBatch}'s pacing; resolves with how many were stored. */
export async function writeAll<T>(writer: Writer<T>, items: readonly T[], count: number, batchSize: number, inFlight: number): Promise<number> {
  let stored = 0;
  await forEachBatch(count, batchSize, inFlight, async (start, end) => {
    // Not `stored += await …`: that reads `stored` before the await and loses concurrent batches.
    const written = await writer.write(items, start, end);
    stored += written;
  });
  return stored;
}
