/**
 * A Sentinel URL must name a master the Sentinels watch. ioredis asks the
 * Sentinels again and again when none knows the name, and commands wait for
 * ever; so the engine asks them once when it is opened and fails at once,
 * naming the master, when every Sentinel that answered knows no such master.
 * Sentinels that cannot be reached are an outage, not a wrong URL: then the
 * engine opens and reconnects as for any other Redis URL.
 */
import { Redis } from 'ioredis';
import { ConnectionError } from './errors.js';
import type { ParsedRedisEngineOptions } from './options.js';
import { formatHost } from './standalone.js';
import type { RedisSentinelUrl } from './url.js';

/** What one Sentinel said: the master's address, that it knows no such master, or nothing. */
type Answer = 'known' | 'unknown' | 'unreachable';

async function ask(url: RedisSentinelUrl, host: string, port: number, options: ParsedRedisEngineOptions): Promise<Answer> {
  const sentinel = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(options.sentinelUsername !== undefined ? { username: options.sentinelUsername } : {}),
    ...(options.sentinelPassword !== undefined ? { password: options.sentinelPassword } : {}),
    ...(url.tls ? { tls: { ...options.tls } } : {}),
  });
  // A Sentinel that cannot be reached is reported by the rejection below; without a listener ioredis prints it.
  sentinel.on('error', () => undefined);
  try {
    await sentinel.connect();
    const address = await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', url.masterName);
    return Array.isArray(address) ? 'known' : 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    sentinel.disconnect();
  }
}

/**
 * Resolves when a Sentinel knows the URL's master, or when none answered;
 * rejects with a {@link ConnectionError} (`reason` `unknown-master`) when
 * every Sentinel that answered knows no master of that name.
 */
export async function checkSentinelMaster(url: RedisSentinelUrl, address: string, options: ParsedRedisEngineOptions): Promise<void> {
  const answers = await Promise.all(url.sentinels.map((s) => ask(url, s.host, s.port, options)));
  if (answers.includes('known') || !answers.includes('unknown')) return;
  const asked = url.sentinels.filter((_, i) => answers[i] === 'unknown').map((s) => formatHost(s.host, s.port));
  throw new ConnectionError(address, 'unknown-master', `no Sentinel knows a master named "${url.masterName}" (asked ${asked.join(', ')})`);
}
