/**
 * The service registry: who is online. Every instance (service member,
 * gateway, client) appends an announcement to one stream when it starts, again
 * every `ttlMs / 3` as a heartbeat, and a last one with state `down` when it
 * stops. An instance is online while its newest announcement says `up` and is
 * younger than its `ttlMs`. A stream, not a key with a TTL, so that every
 * engine (memory:// included) serves it and tools can watch it live; it is
 * trimmed by time on every append.
 */
import { hostname } from 'node:os';
import { ClosedError, decodeEntry, encodeMessage, ProtocolError, streamIdFromTime, type Engine, type Lifecycle } from '@streamerson/core';
import { ClosedSignal, settlesWithin } from '@streamerson/core/internal';

/** The stream holding announcements. */
export const REGISTRY_STREAM = '_streamerson:registry';
/** Message type of an announcement. */
export const ANNOUNCE_TYPE = 'streamerson.announce';
/** Default time an announcement stays valid without a heartbeat. */
export const DEFAULT_REGISTRY_TTL_MS = 15_000;
/** Announcements older than this many TTLs are trimmed away. */
const RETAIN_TTLS = 4;
/** Longest wait for the `down` announcement on stop. */
export const STOP_WAIT_MS = 1_000;
/** Newest announcements read by {@link listInstances}; bounds the read on a busy registry. */
export const DEFAULT_REGISTRY_SCAN = 10_000;

/**
 * What an instance is: `service`, `gateway`, `client`, or any other kind an
 * instance announces (a processor, a state machine); tools show it as given.
 */
export type InstanceKind = 'service' | 'gateway' | 'client' | (string & {});

/** Where clients reach an instance other than by its HTTP routes: a WebSocket or Server-Sent Events endpoint. */
export interface EndpointInfo {
  /** `ws`, `sse`, or another protocol. */
  readonly protocol: string;
  readonly url: string;
}

/** A route a gateway serves. */
export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  readonly topic: string;
  readonly type: string;
}

/** What an instance says of itself. */
export interface InstanceDescription {
  readonly kind: InstanceKind;
  /** Service or gateway name. */
  readonly name: string;
  /** Unique per running instance. */
  readonly instanceId: string;
  /** Topics it consumes. */
  readonly topics: readonly string[];
  /** The consumer group it reads `topics` in, when not its name. */
  readonly group?: string;
  /** Its consumer name in that group. */
  readonly consumer?: string;
  /** Message types it handles. */
  readonly types: readonly string[];
  /** Topics it writes to. */
  readonly produces: readonly string[];
  readonly routes?: readonly RouteInfo[];
  readonly endpoints?: readonly EndpointInfo[];
}

/** One announcement as stored. */
export interface InstanceInfo extends InstanceDescription {
  readonly host: string;
  readonly pid: number;
  /** Unix ms. */
  readonly startedAt: number;
  readonly ttlMs: number;
  readonly state: 'up' | 'down';
  /** Unix ms of the announcement (its entry id's time). */
  readonly seenAt: number;
}

/** Counters of an {@link Announcer}. */
export interface AnnouncerStats {
  /** Announcements written (`up` heartbeats and the last `down`). */
  readonly announced: number;
  /** Heartbeats that failed (each also given to `onError`); the next one tries again. */
  readonly failed: number;
  readonly running: boolean;
}

/**
 * Announces one instance until closed. Lifecycle (docs/ARCHITECTURE.md):
 * `start()` appends `up` and starts the heartbeat; `drain()` and `close()`
 * stop it and append `down` (waiting at most {@link STOP_WAIT_MS}: an engine
 * that is gone must not hold a shutdown); `destroy()` only stops it.
 */
export class Announcer implements Lifecycle<AnnouncerStats> {
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private last: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly down = new ClosedSignal();
  private readonly counts = { announced: 0, failed: 0 };

  /** `onError` gets each failed heartbeat: the owner reports it as its own engine error. */
  constructor(
    private readonly engine: Engine,
    private readonly description: InstanceDescription,
    private readonly onError: (error: unknown) => void,
    private readonly ttlMs = DEFAULT_REGISTRY_TTL_MS,
  ) {}

  /**
   * Appends `up` now and every `ttlMs / 3`; rejects when the first append
   * fails, and the heartbeat tries again. A failed heartbeat goes to
   * `onError` and is retried by the next one. Idempotent.
   */
  async start(): Promise<void> {
    if (this.down.settled || this.closing !== undefined) throw new ClosedError(`announcer ${this.description.instanceId}`);
    if (this.timer !== undefined) return;
    this.timer = setInterval(
      () => {
        this.last = this.announce('up').catch((error: unknown) => {
          this.counts.failed++;
          this.onError(error);
        });
      },
      Math.max(1, Math.floor(this.ttlMs / 3)),
    );
    this.timer.unref();
    await this.announce('up');
  }

  /** The same as {@link close}: an announcer has no work of its own to finish. */
  drain(): Promise<void> {
    return this.close();
  }

  /** Stops the heartbeat and appends `down` if it was started, waiting at most {@link STOP_WAIT_MS}. Idempotent; never throws. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
        await settlesWithin(
          this.last.then(() => this.announce('down')),
          STOP_WAIT_MS,
        );
      }
      this.down.settle();
    })();
    return this.closing;
  }

  /** Stops the heartbeat without announcing `down` (the instance then expires after `ttlMs`). */
  destroy(error?: Error): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.down.settle(error);
  }

  get closed(): Promise<Error | undefined> {
    return this.down.promise;
  }

  stats(): AnnouncerStats {
    return { ...this.counts, running: this.timer !== undefined };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  private announce(state: 'up' | 'down'): Promise<string> {
    const payload: Omit<InstanceInfo, 'seenAt'> = {
      ...this.description,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      ttlMs: this.ttlMs,
      state,
    };
    const minId = streamIdFromTime(Date.now() - this.ttlMs * RETAIN_TTLS);
    this.counts.announced++;
    return this.engine.append(REGISTRY_STREAM, encodeMessage({ type: ANNOUNCE_TYPE, source: this.description.instanceId, payload }), {
      retention: { minId, approximate: true },
    }) as Promise<string>;
  }
}

/**
 * The instances online now: the newest announcement of each instance, when it
 * says `up` and is younger than its TTL. Entries that are not announcements
 * are ignored. With `all`, instances that went down or silent are included.
 */
export async function listInstances(engine: Engine, options: { all?: boolean; now?: number } = {}): Promise<InstanceInfo[]> {
  const now = options.now ?? Date.now();
  const entries = await engine.revRange(REGISTRY_STREAM, '+', '-', DEFAULT_REGISTRY_SCAN);
  const newest = new Map<string, InstanceInfo>();
  for (const entry of entries) {
    const msg = decodeEntry(REGISTRY_STREAM, entry);
    if (msg instanceof ProtocolError || msg.type !== ANNOUNCE_TYPE) continue;
    const info = toInstanceInfo(msg.payload, Number(entry.id.slice(0, entry.id.indexOf('-'))));
    if (info === undefined || newest.has(info.instanceId)) continue;
    newest.set(info.instanceId, info);
  }
  const out = [...newest.values()].filter((i) => options.all === true || (i.state === 'up' && now - i.seenAt <= i.ttlMs));
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name) || a.instanceId.localeCompare(b.instanceId));
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Validates an announcement written by any program; undefined when it is not one. */
function toInstanceInfo(p: unknown, seenAt: number): InstanceInfo | undefined {
  if (typeof p !== 'object' || p === null) return undefined;
  const o = p as Record<string, unknown>;
  if (typeof o['instanceId'] !== 'string' || typeof o['name'] !== 'string') return undefined;
  const kind = typeof o['kind'] === 'string' && o['kind'] !== '' ? o['kind'] : 'service';
  const routes = Array.isArray(o['routes'])
    ? o['routes'].filter((r): r is RouteInfo => typeof r === 'object' && r !== null && typeof (r as RouteInfo).url === 'string')
    : undefined;
  const endpoints = Array.isArray(o['endpoints'])
    ? o['endpoints'].filter(
        (e): e is EndpointInfo =>
          typeof e === 'object' && e !== null && typeof (e as EndpointInfo).protocol === 'string' && typeof (e as EndpointInfo).url === 'string',
      )
    : undefined;
  return {
    kind,
    name: o['name'],
    instanceId: o['instanceId'],
    topics: strings(o['topics']),
    ...(typeof o['group'] === 'string' ? { group: o['group'] } : {}),
    ...(typeof o['consumer'] === 'string' ? { consumer: o['consumer'] } : {}),
    types: strings(o['types']),
    produces: strings(o['produces']),
    ...(routes === undefined ? {} : { routes }),
    ...(endpoints === undefined ? {} : { endpoints }),
    host: typeof o['host'] === 'string' ? o['host'] : '',
    pid: typeof o['pid'] === 'number' ? o['pid'] : 0,
    startedAt: typeof o['startedAt'] === 'number' ? o['startedAt'] : 0,
    ttlMs: typeof o['ttlMs'] === 'number' && o['ttlMs'] > 0 ? o['ttlMs'] : DEFAULT_REGISTRY_TTL_MS,
    state: o['state'] === 'down' ? 'down' : 'up',
    seenAt,
  };
}
