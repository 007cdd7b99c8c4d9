import { Cluster, type Redis } from 'ioredis';
import {
  ClosedError,
  InvalidOptionError,
  type BlockingReader,
  type EngineCapabilities,
  type GroupReadOptions,
  type GroupReadPosition,
  type ReadOptions,
  type ReadPosition,
  type StreamEntries,
} from '@streamerson/core';
import type { RedisClusterUrl } from './url.js';
import { BaseRedisEngine, DEFAULT_LIST_LIMIT } from './base-engine.js';
import { ClusterReader, nodeKey } from './cluster-reader.js';
import { corkedAll } from './transaction.js';
import { retryStrategy, type ParsedRedisEngineOptions } from './options.js';
import { scanStreams } from './scan.js';
import { groupBySlot } from './slots.js';
import { formatHost, nodeOptions, redactedUserinfo } from './standalone.js';
import { FENCED_WRITE } from './scripts/index.js';

/** Merges per-slot read results into the order of the positions asked for. */
function mergeInOrder(positions: readonly { readonly stream: string }[], parts: StreamEntries[][]): StreamEntries[] {
  if (parts.length === 1) return parts[0]!;
  const byStream = new Map<string, StreamEntries>();
  for (const part of parts) for (const s of part) byStream.set(s.stream, s);
  const out: StreamEntries[] = [];
  for (const p of positions) {
    const s = byStream.get(p.stream);
    if (s !== undefined) {
      out.push(s);
      byStream.delete(p.stream);
    }
  }
  return out;
}

/**
 * The engine for a Redis Cluster (`redis+cluster://`, `rediss+cluster://`).
 * Commands go to the masters (`scaleReads: 'master'`), so reads see every
 * acknowledged write. Commands over streams in several hash slots are split
 * per slot and run in parallel.
 */
export class RedisClusterEngine extends BaseRedisEngine {
  readonly kind = 'redis-cluster';
  readonly capabilities: EngineCapabilities = Object.freeze({ multiStreamBlockingRead: false, persistent: true, shared: true });
  declare protected readonly client: Cluster;
  protected readonly anySlotInScript = false;

  constructor(
    url: RedisClusterUrl,
    private readonly options: ParsedRedisEngineOptions,
  ) {
    if (options.replicas > 0) {
      throw new InvalidOptionError('replicas', 'not supported on a Redis Cluster (WAIT would cover one node of many); use a standalone or Sentinel URL');
    }
    const hosts = url.nodes.map((n) => formatHost(n.host, n.port)).join(',');
    const redacted = `${url.tls ? 'rediss' : 'redis'}+cluster://${redactedUserinfo(url.username, url.password)}${hosts}`;
    super(
      redacted,
      new Cluster(
        url.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          scaleReads: 'master',
          enableAutoPipelining: true,
          // XGROUP and XINFO name their key after a subcommand, which ioredis cannot
          // see; auto-pipelining would route them by the subcommand's slot. The
          // fenced-write script counts its keys per call: auto-pipelining would
          // route it by that count, and put writes of different slots in one
          // pipeline, which ioredis then refuses as a whole.
          autoPipeliningIgnoredCommands: ['xgroup', 'xinfo', FENCED_WRITE],
          clusterRetryStrategy: retryStrategy(options),
          redisOptions: nodeOptions(url, options),
        },
      ),
    );
  }

  /** Every master's socket corked: each gets what `send` sends it in one write. */
  protected writeTogether<T>(send: () => T): T {
    return corkedAll(this.client.nodes('master'), send);
  }

  async read(positions: readonly ReadPosition[], options?: Omit<ReadOptions, 'blockMs'>): Promise<StreamEntries[]> {
    this.checkRead(positions, options);
    const groups = groupBySlot(positions, (p) => p.stream);
    if (groups.size === 1) return this.readOne(positions, options);
    const parts = await Promise.all([...groups.values()].map((g) => this.readOne(g, options)));
    return mergeInOrder(positions, parts);
  }

  async readGroup(
    group: string,
    consumer: string,
    positions: readonly GroupReadPosition[],
    options?: Omit<GroupReadOptions, 'blockMs'>,
  ): Promise<StreamEntries[]> {
    this.checkRead(positions, options);
    const groups = groupBySlot(positions, (p) => p.stream);
    if (groups.size === 1) return this.readGroupOne(group, consumer, positions, options);
    const parts = await Promise.all([...groups.values()].map((g) => this.readGroupOne(group, consumer, g, options)));
    return mergeInOrder(positions, parts);
  }

  openReader(): BlockingReader {
    if (this.isClosed) throw new ClosedError('redis engine');
    return this.registerReader(
      new ClusterReader(
        {
          url: this.url,
          duplicate: () =>
            this.client.duplicate(undefined, {
              enableAutoPipelining: false,
              redisOptions: { ...this.client.options.redisOptions, commandTimeout: undefined },
            }),
          readerClosed: (r) => this.readerClosed(r),
          unblock: async (node, clientId) => {
            const client = this.client.nodes('master').find((n) => nodeKey(n) === node);
            return client === undefined ? 0 : client.call('client', 'unblock', clientId);
          },
        },
        this.options.maxReaderConnections,
      ),
    );
  }

  async deleteStreams(streams: readonly string[]): Promise<number> {
    if (this.isClosed) return this.rejectClosed();
    if (!Array.isArray(streams) || streams.length === 0) return 0;
    const groups = groupBySlot(streams, (s) => s);
    const counts = await Promise.all([...groups.values()].map((keys) => this.call('del', keys) as Promise<number>));
    return counts.reduce((a, b) => a + b, 0);
  }

  async listStreams(prefix: string, limit = DEFAULT_LIST_LIMIT): Promise<string[]> {
    if (this.isClosed) return this.rejectClosed();
    if (typeof prefix !== 'string') throw new InvalidOptionError('prefix', 'expected a string');
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidOptionError('limit', 'expected an integer >= 0');
    if (limit === 0) return [];
    // Before the slots are known there are no masters yet: a command waits for them (or fails naming why).
    if (this.client.nodes('master').length === 0) await this.call('ping', []);
    // Each master holds its own keys: scan them all and merge.
    const masters: Redis[] = this.client.nodes('master');
    return scanStreams(masters, prefix, limit).catch(this.fail);
  }
}
