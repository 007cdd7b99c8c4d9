import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRedis, type RedisServer, type StartRedisOptions } from './redis-server.js';
import { redisCommand, type RespValue } from './resp.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

/** Default number of masters of {@link startRedisCluster}; Redis Cluster needs at least 3. */
export const DEFAULT_CLUSTER_MASTERS = 3;
/** Default deadline for a new cluster to agree on its slots. */
export const DEFAULT_CLUSTER_READY_TIMEOUT_MS = 15_000;
/** Number of hash slots of Redis Cluster. */
export const CLUSTER_SLOTS = 16_384;

/** Hint raised when `redis-cli` (needed to create a cluster) is missing. */
export const REDIS_CLI_MISSING_HINT = 'redis-cli not found on PATH — install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)';

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions extends Omit<StartRedisOptions, 'args'> {
  /** Number of masters (no replicas); default {@link DEFAULT_CLUSTER_MASTERS}, at least 3. */
  readonly masters?: number;
  /** The `redis-cli` binary; default `redis-cli` looked up on PATH. */
  readonly cliBinary?: string;
  /** Deadline for all nodes to agree; default {@link DEFAULT_CLUSTER_READY_TIMEOUT_MS}. */
  readonly readyTimeoutMs?: number;
}

/** A local Redis Cluster of masters only. */
export interface RedisClusterHandle {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…`. */
  readonly url: string;
  readonly nodes: readonly RedisServer[];
  /** Sends one command to the first node, following one MOVED redirect to the node that serves its key. */
  command(...args: (string | Buffer)[]): Promise<RespValue>;
  /** Stops every node. Idempotent. */
  stop(): Promise<void>;
}

/** A node's view of the slot map as one comparable string: `start-end@port` sorted by start. */
function slotMap(reply: RespValue): string | null {
  if (!Array.isArray(reply)) return null;
  const ranges: { start: number; end: number; port: number }[] = [];
  for (const range of reply) {
    if (!Array.isArray(range)) return null;
    const [start, end, master] = range;
    if (typeof start !== 'number' || typeof end !== 'number' || !Array.isArray(master)) return null;
    ranges.push({ start, end, port: Number(master[1]) });
  }
  ranges.sort((a, b) => a.start - b.start);
  let covered = 0;
  for (const r of ranges) covered += r.end - r.start + 1;
  if (covered !== CLUSTER_SLOTS) return null;
  return ranges.map((r) => `${r.start}-${r.end}@${r.port}`).join(',');
}

/** True when every node reports `cluster_state:ok`, knows every master, and all see the same full slot map. */
async function agreed(nodes: readonly RedisServer[]): Promise<boolean> {
  const maps = new Set<string>();
  for (const node of nodes) {
    const info = await node.command('CLUSTER', 'INFO');
    if (typeof info !== 'string' || !info.includes('cluster_state:ok')) return false;
    const known = await node.command('CLUSTER', 'NODES');
    if (typeof known !== 'string') return false;
    const masters = known.split('\n').filter((line) => {
      const flags = (line.split(' ')[2] ?? '').split(',');
      return flags.includes('master') && !flags.some((f) => /fail|handshake|noaddr/.test(f));
    });
    if (masters.length !== nodes.length) return false;
    const map = slotMap(await node.command('CLUSTER', 'SLOTS'));
    if (map === null) return false;
    maps.add(map);
  }
  return maps.size === 1;
}

async function routed(nodes: readonly RedisServer[], args: (string | Buffer)[]): Promise<RespValue> {
  try {
    return await nodes[0]!.command(...args);
  } catch (err) {
    const moved = /^MOVED \d+ [^:]+:(\d+)$/.exec((err as Error).message);
    if (moved === null) throw err;
    return redisCommand(Number(moved[1]), args);
  }
}

/**
 * Starts a local Redis Cluster of `masters` redis-server processes on free
 * ports, creates it with `redis-cli --cluster create`, and resolves once every
 * node reports `cluster_state:ok` and all nodes agree on who serves all 16384
 * slots, so that tests do not meet CLUSTERDOWN or MOVED storms right after start.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? DEFAULT_CLUSTER_MASTERS;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(`invalid option "masters": Redis Cluster needs an integer >= 3, got ${String(masters)}`);
  }
  const started = await Promise.allSettled(
    Array.from({ length: masters }, () =>
      startRedis({
        ...options,
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
      }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= Promise.all(nodes.map((n) => n.stop())).then(() => undefined);
    return stopping;
  };
  try {
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    try {
      await execFileAsync(options.cliBinary ?? 'redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
        env: options.env ?? process.env,
        timeout: DEFAULT_CLUSTER_READY_TIMEOUT_MS,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(REDIS_CLI_MISSING_HINT, { cause: err });
      const out = err as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`, { cause: err });
    }
    await waitFor(() => agreed(nodes), {
      timeoutMs: options.readyTimeoutMs ?? DEFAULT_CLUSTER_READY_TIMEOUT_MS,
      what: `cluster ${addresses.join(',')} to agree on all ${CLUSTER_SLOTS} slots`,
    });
    return { url: `redis+cluster://${addresses.join(',')}`, nodes, command: (...args) => routed(nodes, args), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
