/**
 * Sends commands to a machine: a request on the key's shard of the machine's
 * topic, through a `Client` of `@streamerson/service` (request/reply with
 * deadlines). The result carries the key's new version (for `minVersion`
 * reads); a command that was not applied rejects with a {@link CommandError}.
 * A shard whose lease nobody holds is refused before anything is sent
 * (`ERR_STREAMERSON_NO_WRITER`); a command that times out on such a shard is
 * reported the same way: its deadline has passed, so no later writer applies it.
 */
import {
  ClosedError,
  IDEMPOTENCY_KEY_HEADER,
  InvalidOptionError,
  requireFencing,
  type Engine,
  type Fencing,
  type Headers,
  type Lifecycle,
} from '@streamerson/core';
import { ClosedSignal, intOption } from '@streamerson/core/internal';
import { Client, RemoteError, type ClientStats } from '@streamerson/service';
import { commandErrorOf, EXPECTED_VERSION_HEADER, KEY_HEADER, noWriter } from '../errors.js';
import { shardOf, type CommandMap, type Machine, type MachineRef } from '../machine.js';
import { shardKeys } from '../names.js';
import { MAX_KEY_LENGTH, parseMachineClientOptions, type MachineClientConfig, type MachineClientOptions } from '../options.js';
import type { CommandResult } from '../writer/batch.js';

/** Options of one command. */
export interface SendOptions {
  /** Apply only if the key is at this version (optimistic concurrency); else `ERR_STREAMERSON_VERSION_CONFLICT`. */
  readonly expectedVersion?: number;
  /** The command's id: a retry with the same id is applied once (within the writer's dedupe window). Default: the request's own id. */
  readonly commandId?: string;
  /** Reply deadline in ms; default the client's `timeout`. */
  readonly timeout?: number;
}

/** Counters of a machine client. */
export interface MachineClientStats {
  readonly sent: number;
  readonly noWriter: number;
  readonly client: ClientStats;
}

export class MachineClient<S = unknown, C extends CommandMap = CommandMap> implements Lifecycle<MachineClientStats> {
  readonly config: MachineClientConfig;
  private readonly engine: Engine & Fencing;
  private readonly client: Client;
  private readonly ownsClient: boolean;
  /** Per shard: whether a writer held its lease when last asked, and when. */
  private readonly leases = new Map<number, { held: boolean; at: number }>();
  private readonly signal = new ClosedSignal();
  private readonly counts = { sent: 0, noWriter: 0 };
  private down = false;

  constructor(
    engine: Engine,
    readonly machine: MachineRef | Machine<S, C>,
    options: MachineClientOptions = {},
  ) {
    this.engine = requireFencing(engine, `a client of "${machine.name}"`);
    this.config = parseMachineClientOptions(options);
    this.ownsClient = this.config.client === undefined;
    this.client = this.config.client ?? new Client(engine, { timeout: this.config.timeout });
  }

  get closed(): Promise<Error | undefined> {
    return this.signal.promise;
  }

  /** Starts the reply reading of its own client (the first command does it too). */
  async start(): Promise<void> {
    if (this.down) throw new ClosedError(`client of "${this.machine.name}"`);
    await this.client.start();
  }

  /**
   * Sends `type` with `payload` to `key` and resolves with the key's version
   * and state after it; rejects with a {@link CommandError} when the command
   * was not applied, or the client's `TimeoutError`.
   */
  async send<T extends keyof C & string>(key: string, type: T, payload: C[T], options: SendOptions = {}): Promise<CommandResult<S>> {
    if (this.down) throw new ClosedError(`client of "${this.machine.name}"`);
    if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) throw new InvalidOptionError('key', `expected 1-${MAX_KEY_LENGTH} characters`);
    if (typeof type !== 'string' || type === '') throw new InvalidOptionError('type', 'expected a non-empty string');
    const headers: Record<string, string> = { [KEY_HEADER]: key };
    if (options.expectedVersion !== undefined) headers[EXPECTED_VERSION_HEADER] = String(intOption(options.expectedVersion, 'expectedVersion', 0, 0));
    if (options.commandId !== undefined) {
      if (typeof options.commandId !== 'string' || options.commandId === '') throw new InvalidOptionError('commandId', 'expected a non-empty string');
      headers[IDEMPOTENCY_KEY_HEADER] = options.commandId;
    }
    const shard = shardOf(this.machine, key);
    if (!(await this.writerHolds(shard, false))) throw this.refused(key, type, shard);
    this.counts.sent++;
    try {
      return await this.client.request<CommandResult<S>>(this.machine.name, type, payload, {
        key,
        shards: this.machine.shards,
        headers: headers as Headers,
        ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      });
    } catch (error) {
      if (error instanceof RemoteError)
        throw commandErrorOf(key, type, error.status, { code: error.errorCode, message: error.message, details: error.details }, error);
      if (error instanceof Error && (error as { code?: string }).code === 'ERR_STREAMERSON_TIMEOUT' && !(await this.writerHolds(shard, true)))
        throw this.refused(key, type, shard);
      throw error;
    }
  }

  stats(): MachineClientStats {
    return { ...this.counts, client: this.client.stats() };
  }

  /** Waits for the replies of commands sent, then closes its own client. */
  async drain(): Promise<void> {
    await this.shutdown();
  }

  async close(): Promise<void> {
    await this.shutdown();
  }

  destroy(error?: Error): void {
    if (this.down) return;
    this.down = true;
    if (this.ownsClient) void this.client.close();
    this.signal.settle(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.close();
  }

  private async shutdown(): Promise<void> {
    if (this.down) return void (await this.signal.promise);
    this.down = true;
    if (this.ownsClient) await this.client.close();
    this.signal.settle();
  }

  private refused(key: string, type: string, shard: number): Error {
    this.counts.noWriter++;
    return noWriter(key, type, shard);
  }

  /** Whether a writer holds the shard's lease: asked again once `leaseCheckMs` passed, or when `fresh`. */
  private async writerHolds(shard: number, fresh: boolean): Promise<boolean> {
    const known = this.leases.get(shard);
    const now = Date.now();
    if (!fresh && known !== undefined && now - known.at < this.config.leaseCheckMs) return known.held;
    const lease = await this.engine.leaseState(shardKeys(this.machine, shard).lease);
    const held = lease.owner !== null;
    this.leases.set(shard, { held, at: now });
    return held;
  }
}
