/** Bounded waits: the one way Streamerson waits for something at most so long. */

/**
 * Resolves `true` once `work` settles (fulfilled or rejected), or `false` when
 * `ms` pass first; never rejects. The timer is cleared as soon as either
 * happens, so it never holds the process open.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
