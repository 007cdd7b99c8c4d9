/**
 * The JSON text of a string. `JSON.stringify` costs about 50 ns even for a
 * short string (a timestamp, a path); one of printable ASCII without `"` or
 * `\` needs no escaping, so it is quoted here after one look at each
 * character. Anything else goes to `JSON.stringify`.
 */
export function jsonString(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return JSON.stringify(value);
  }
  return `"${value}"`;
}
