import { startRedis, type RedisServer, type StartRedisOptions } from './redis-server.js';
import type { RespValue } from './resp.js';
import { waitFor } from './wait.js';

/** Default name of the master the Sentinels of {@link startRedisSentinel} watch. */
export const DEFAULT_SENTINEL_MASTER_NAME = 'streamerson';
/** Default Sentinels of {@link startRedisSentinel}: three, so that two of them make a majority. */
export const DEFAULT_SENTINELS = 3;
/** Default time without an answer after which a Sentinel deems the master down (`down-after-milliseconds`). */
export const DEFAULT_SENTINEL_DOWN_AFTER_MS = 1_000;
/**
 * Default `failover-timeout`. A Sentinel that lost an election waits twice
 * this long before it starts a failover of its own: on a loaded machine a
 * shorter value lets a second failover supersede one still under way, and the
 * appends the first promoted master acknowledged are then lost.
 */
export const DEFAULT_SENTINEL_FAILOVER_TIMEOUT_MS = 10_000;
/** Default deadline for the master, its replicas and the Sentinels to know each other. */
export const DEFAULT_SENTINEL_READY_TIMEOUT_MS = 20_000;

/** Options of {@link startRedisSentinel}. */
export interface StartRedisSentinelOptions extends Omit<StartRedisOptions, 'args' | 'config' | 'password'> {
  /** Replicas of the master; default 1. */
  readonly replicas?: number;
  /** Sentinels; default {@link DEFAULT_SENTINELS}. The quorum is a majority of them. */
  readonly sentinels?: number;
  /** Default {@link DEFAULT_SENTINEL_MASTER_NAME}. */
  readonly masterName?: string;
  /** Default {@link DEFAULT_SENTINEL_DOWN_AFTER_MS}. */
  readonly downAfterMs?: number;
  /** Default {@link DEFAULT_SENTINEL_FAILOVER_TIMEOUT_MS}. */
  readonly failoverTimeoutMs?: number;
  /** Default {@link DEFAULT_SENTINEL_READY_TIMEOUT_MS}. */
  readonly readyTimeoutMs?: number;
}

/** A master, its replicas and the Sentinels that watch them, on free ports of 127.0.0.1. */
export interface RedisSentinelHandle {
  /** `redis+sentinel://127.0.0.1:<s1>,…/<master name>`. */
  readonly url: string;
  readonly masterName: string;
  /** The data nodes: the first master, then its replicas (roles change with failovers). */
  readonly nodes: readonly RedisServer[];
  readonly sentinels: readonly RedisServer[];
  /** The data node the Sentinels name as master now (asked of the first Sentinel that answers). */
  master(): Promise<RedisServer>;
  /**
   * Resolves with the new master once the failover is over: every Sentinel
   * names the same node other than `previous`, none has a failover in
   * progress, and the node answers as a master. By default it waits three
   * failover timeouts (a failed election is retried after two).
   */
  waitForFailover(previous: RedisServer, timeoutMs?: number): Promise<RedisServer>;
  /** How many failovers the Sentinels made so far (the master's configuration epoch). */
  failovers(): Promise<number>;
  /** What each Sentinel says of the master (port, flags, epoch) and each node of its role, in one line: for a failed test's message. */
  describe(): Promise<string>;
  /** Stops every process. Idempotent. */
  stop(): Promise<void>;
}

function field(reply: RespValue, name: string): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] === name) return String(reply[i + 1]);
  return undefined;
}

/**
 * Starts a Redis master, `replicas` replicas of it and `sentinels` Sentinels
 * watching it (quorum: a majority), and resolves once the replicas are in
 * sync and every Sentinel knows the replicas and the other Sentinels — so
 * that a failover can start as soon as the master dies.
 */
export async function startRedisSentinel(options: StartRedisSentinelOptions = {}): Promise<RedisSentinelHandle> {
  const replicas = options.replicas ?? 1;
  const count = options.sentinels ?? DEFAULT_SENTINELS;
  const masterName = options.masterName ?? DEFAULT_SENTINEL_MASTER_NAME;
  const downAfterMs = options.downAfterMs ?? DEFAULT_SENTINEL_DOWN_AFTER_MS;
  const failoverTimeoutMs = options.failoverTimeoutMs ?? DEFAULT_SENTINEL_FAILOVER_TIMEOUT_MS;
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_SENTINEL_READY_TIMEOUT_MS;
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`invalid option "replicas": expected an integer >= 0, got ${String(replicas)}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`invalid option "sentinels": expected an integer >= 1, got ${String(count)}`);
  const started: RedisServer[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= Promise.all(started.map((s) => s.stop())).then(() => undefined);
    return stopping;
  };
  const { replicas: _r, sentinels: _s, masterName: _m, downAfterMs: _d, failoverTimeoutMs: _f, readyTimeoutMs: _t, ...serverOptions } = options;
  try {
    // Any node may become the master: each syncs a replica at once, not after the default 5 s wait for others.
    const syncAtOnce = ['--repl-diskless-sync-delay', '0'];
    const first = await startRedis({ ...serverOptions, args: syncAtOnce });
    started.push(first);
    const nodes = [first];
    for (const server of await Promise.all(
      Array.from({ length: replicas }, () => startRedis({ ...serverOptions, args: [...syncAtOnce, '--replicaof', '127.0.0.1', String(first.port)] })),
    )) {
      started.push(server);
      nodes.push(server);
    }
    for (const replica of nodes.slice(1)) {
      await waitFor(async () => /master_link_status:up/.test(String(await replica.command('INFO', 'replication'))), {
        timeoutMs,
        what: `replica ${replica.port} to sync with master ${first.port}`,
      });
    }
    const quorum = Math.floor(count / 2) + 1;
    const config = [
      `sentinel monitor ${masterName} 127.0.0.1 ${first.port} ${quorum}`,
      `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
      `sentinel failover-timeout ${masterName} ${failoverTimeoutMs}`,
      `sentinel parallel-syncs ${masterName} 1`,
      '',
    ].join('\n');
    const sentinels = await Promise.all(Array.from({ length: count }, () => startRedis({ ...serverOptions, config, args: ['--sentinel'] })));
    started.push(...sentinels);
    /** What a Sentinel says of the master: a flat list of fields and values. */
    const masterView = (sentinel: RedisServer): Promise<RespValue> => sentinel.command('SENTINEL', 'MASTER', masterName);
    for (const sentinel of sentinels) {
      await waitFor(
        async () => {
          const master = await masterView(sentinel);
          return Number(field(master, 'num-slaves')) === replicas && Number(field(master, 'num-other-sentinels')) === count - 1;
        },
        { timeoutMs, what: `Sentinel ${sentinel.port} to know ${replicas} replicas and ${count - 1} other Sentinels` },
      );
    }
    const byPort = (port: number): RedisServer => {
      const node = nodes.find((n) => n.port === port);
      if (node === undefined) throw new Error(`the Sentinels name an unknown master on port ${port}`);
      return node;
    };
    const master = async (): Promise<RedisServer> => {
      let lastError: unknown;
      for (const sentinel of sentinels) {
        try {
          const addr = await sentinel.command('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName);
          if (Array.isArray(addr)) return byPort(Number(addr[1]));
        } catch (error) {
          lastError = error;
        }
      }
      throw new Error('no Sentinel named a master', { cause: lastError });
    };
    const waitForFailover = (previous: RedisServer, waitMs = Math.max(timeoutMs, 3 * failoverTimeoutMs)): Promise<RedisServer> =>
      waitFor(
        async () => {
          const views = await Promise.all(sentinels.map(masterView));
          const ports = new Set(views.map((v) => Number(field(v, 'port'))));
          if (ports.size !== 1 || views.some((v) => field(v, 'flags')?.includes('failover_in_progress'))) return undefined;
          const now = byPort([...ports][0]!);
          if (now === previous) return undefined;
          return /role:master/.test(String(await now.command('INFO', 'replication'))) ? now : undefined;
        },
        { timeoutMs: waitMs, what: `the Sentinels to agree on a promoted replica of ${previous.port}` },
      );
    const failovers = async (): Promise<number> => Number(field(await masterView(sentinels[0]!), 'config-epoch'));
    const describe = async (): Promise<string> => {
      const views = await Promise.all(
        sentinels.map(async (s) => {
          const m = await masterView(s).catch((error: unknown) => String(error));
          return `${field(m, 'port')} ${field(m, 'flags')} epoch ${field(m, 'config-epoch')}`;
        }),
      );
      const roles = await Promise.all(
        nodes.map(async (n) => {
          const info = String(await n.command('INFO', 'replication').catch(() => 'unreachable'));
          return `${n.port}: ${info.match(/role:\w+|connected_slaves:\d+|master_port:\d+|master_link_status:\w+|unreachable/g)?.join(' ')}`;
        }),
      );
      return `Sentinels: ${views.join('; ')}; nodes: ${roles.join('; ')}`;
    };
    const url = `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${masterName}`;
    return { url, masterName, nodes, sentinels, master, waitForFailover, failovers, describe, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
