/** Small helpers about time used by the service loop. */

/** The `deadline` header: ASCII decimal digits only (docs/PROTOCOL.md); anything else means no deadline. */
export function parseDeadline(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,16}$/.test(value)) return undefined;
  return Number(value);
}
