import { Redis, type RedisOptions } from 'ioredis';
import {
  ClosedError,
  InvalidOptionError,
  type AppendItem,
  type BlockingReader,
  type EngineCapabilities,
  type GroupReadOptions,
  type GroupReadPosition,
  type ReadOptions,
  type ReadPosition,
  type StreamEntries,
  type StreamAcks,
} from '@streamerson/core';
import type { RedisSentinelUrl, RedisUrl } from './url.js';
import { BaseRedisEngine, DEFAULT_LIST_LIMIT } from './base-engine.js';
import { retryStrategy, type ParsedRedisEngineOptions } from './options.js';
import { RedisReader } from './reader.js';
import { scanStreams } from './scan.js';
import { afterReplicas, waitForReplicas } from './replication.js';
import { corked, sendAppendAndAck } from './transaction.js';

/** Formats a host for a URL (IPv6 in brackets). */
export function formatHost(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The userinfo part of a redacted URL. */
export function redactedUserinfo(username: string | undefined, password: string | undefined): string {
  if (password !== undefined) return `${encodeURIComponent(username ?? '')}:***@`;
  return username !== undefined ? `${encodeURIComponent(username)}@` : '';
}

/** ioredis options shared by standalone and cluster nodes. */
export function nodeOptions(url: { tls: boolean; username?: string; password?: string }, options: ParsedRedisEngineOptions): RedisOptions {
  return {
    ...(url.username !== undefined ? { username: url.username } : {}),
    ...(url.password !== undefined ? { password: url.password } : {}),
    ...(url.tls ? { tls: { ...options.tls } } : {}),
    ...(options.connectionName !== undefined ? { connectionName: options.connectionName } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandTimeout: options.commandTimeoutMs } : {}),
    connectTimeout: options.connectTimeoutMs,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    retryStrategy: retryStrategy(options),
  };
}

/** ioredis options of a master found through Sentinels. */
function sentinelOptions(url: RedisSentinelUrl, options: ParsedRedisEngineOptions): RedisOptions {
  return {
    ...nodeOptions(url, options),
    sentinels: url.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: url.masterName,
    role: 'master',
    db: url.db,
    ...(options.sentinelUsername !== undefined ? { sentinelUsername: options.sentinelUsername } : {}),
    ...(options.sentinelPassword !== undefined ? { sentinelPassword: options.sentinelPassword } : {}),
    ...(url.tls ? { enableTLSForSentinelMode: true, sentinelTLS: { ...options.tls } } : {}),
    sentinelRetryStrategy: retryStrategy(options),
    // Reconnects at once when the Sentinels announce a new master (+switch-master).
    failoverDetector: true,
    // A master demoted to replica refuses writes: reconnect (to the new master) and resend.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
}

/**
 * The engine for one Redis server (`redis://`, `rediss://`), or the master
 * that Sentinels name (`redis+sentinel://`, `rediss+sentinel://`), which it
 * follows through failovers. Non-blocking commands share one auto-pipelined
 * connection; each reader opens its own.
 */
export class RedisEngine extends BaseRedisEngine {
  readonly kind: 'redis' | 'redis-sentinel';
  readonly capabilities: EngineCapabilities = Object.freeze({ multiStreamBlockingRead: true, persistent: true, shared: true });
  declare protected readonly client: Redis;
  protected readonly anySlotInScript = true;

  constructor(url: RedisUrl | RedisSentinelUrl, options: ParsedRedisEngineOptions) {
    const replicaWait = options.replicas > 0 ? { replicas: options.replicas, timeoutMs: options.replicaTimeoutMs } : undefined;
    const db = url.db === 0 ? '' : `/${url.db}`;
    const userinfo = redactedUserinfo(url.username, url.password);
    if (url.scheme === 'redis+sentinel') {
      const sentinels = url.sentinels.map((s) => formatHost(s.host, s.port)).join(',');
      const redacted = `${url.tls ? 'rediss' : 'redis'}+sentinel://${userinfo}${sentinels}/${encodeURIComponent(url.masterName)}${db}`;
      super(redacted, new Redis({ ...sentinelOptions(url, options), enableAutoPipelining: true }), replicaWait);
      this.kind = 'redis-sentinel';
    } else {
      const redacted = `${url.tls ? 'rediss' : 'redis'}://${userinfo}${formatHost(url.host, url.port)}${db}`;
      super(redacted, new Redis({ ...nodeOptions(url, options), host: url.host, port: url.port, db: url.db, enableAutoPipelining: true }), replicaWait);
      this.kind = 'redis';
    }
  }

  /**
   * One MULTI/EXEC transaction (see {@link sendAppendAndAck}): one round trip,
   * run in order and at once; an append that fails while running (a key of
   * another type) rejects, its acks already applied.
   */
  override appendAndAck(items: readonly AppendItem[], group: string, acks: readonly StreamAcks[]): Promise<void> {
    if (this.isClosed) return this.rejectClosed();
    return corked(this.client, () => afterReplicas(sendAppendAndAck(this.client, items, group, acks), this.replicate())).then((failed) => {
      if (failed !== undefined) this.fail(failed);
    }, this.fail);
  }

  protected writeTogether<T>(send: () => T): T {
    return corked(this.client, send);
  }

  read(positions: readonly ReadPosition[], options?: Omit<ReadOptions, 'blockMs'>): Promise<StreamEntries[]> {
    try {
      this.checkRead(positions, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.readOne(positions, options);
  }

  readGroup(group: string, consumer: string, positions: readonly GroupReadPosition[], options?: Omit<GroupReadOptions, 'blockMs'>): Promise<StreamEntries[]> {
    try {
      this.checkRead(positions, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.readGroupOne(group, consumer, positions, options);
  }

  openReader(): BlockingReader {
    if (this.isClosed) throw new ClosedError('redis engine');
    return this.registerReader(
      new RedisReader({
        url: this.url,
        duplicate: () => this.client.duplicate({ enableAutoPipelining: false, commandTimeout: undefined }),
        readerClosed: (r) => this.readerClosed(r),
        unblock: (clientId) => this.call('client', ['unblock', clientId]),
        ...(this.replicaWait === undefined ? {} : { replicate: (connection: Redis) => waitForReplicas(connection, this.replicaWait!) }),
      }),
    );
  }

  async deleteStreams(streams: readonly string[]): Promise<number> {
    if (this.isClosed) return this.rejectClosed();
    if (!Array.isArray(streams) || streams.length === 0) return 0;
    return (await this.call('del', [...streams])) as number;
  }

  async listStreams(prefix: string, limit = DEFAULT_LIST_LIMIT): Promise<string[]> {
    if (this.isClosed) return this.rejectClosed();
    if (typeof prefix !== 'string') throw new InvalidOptionError('prefix', 'expected a string');
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidOptionError('limit', 'expected an integer >= 0');
    if (limit === 0) return [];
    return scanStreams([this.client], prefix, limit).catch(this.fail);
  }
}
