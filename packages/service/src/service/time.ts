/** Small helpers about time used by the service loop. */

/** Resolves true when `work` settles within `ms`, false when the time runs out first. */
export async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(resolve, ms, false); });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The `deadline` header: ASCII decimal digits only (docs/PROTOCOL.md); anything else means no deadline. */
export function parseDeadline(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,16}$/.test(value)) return undefined;
  return Number(value);
}
