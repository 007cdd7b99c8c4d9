/**
 * `relay` endpoints: an engine URL and a topic in one argument,
 * `<url>/<topic>`, or one shard, `<url>/<topic>#<i>`. A Redis URL may name a
 * database before the topic (`redis://host:6379/2/orders`); topics may
 * themselves contain `/`.
 */
import { usageError } from '../errors.js';
import { writeName } from '../topics.js';

export interface Endpoint {
  readonly url: string;
  readonly topic: string;
  /** One shard of the topic: `#i`, or the `--shard` given. */
  readonly shard?: number;
}

const URL_AND_PATH = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)\/(.+)$/i;
const DATABASE = /^(\d+)\/(.+)$/;

export function parseEndpoint(text: string, option: string, shard?: number): Endpoint {
  const match = URL_AND_PATH.exec(text);
  if (match === null) throw usageError(`${option} expects <url>/<topic> like redis://127.0.0.1:6379/orders, got ${JSON.stringify(text)}`);
  const [, base, path] = match as unknown as [string, string, string];
  const db = DATABASE.exec(path);
  const url = db === null ? base : `${base}/${db[1]}`;
  return { url, ...writeName(db === null ? path : db[2]!, shard === undefined ? {} : { shard }) };
}
