/**
 * A service worker process for the cross-process tests. It takes one JSON
 * argument ({@link WorkerConfig}), runs one member of each configured service
 * under one consumer name, and talks to the test over stdout, one JSON line per
 * event: `{"event":"ready"}` once every service reads, `{"event":"drained"}`
 * with the stats after a SIGTERM. SIGTERM drains and exits 0. It also exits
 * when its stdin closes, so that it never outlives the test process.
 */
import { connect } from '@streamerson/core';
import { Service, ServiceError, type ServiceOptions } from '../src/index.js';
import { workHandler, type WorkLog } from './side-effects.js';

/** What a worker runs. */
export interface WorkerConfig {
  readonly url: string;
  /** Consumer name in every group; keep it across restarts to find its pending entries again. */
  readonly consumer: string;
  readonly services: readonly { readonly name: string; readonly topic: string; readonly shards?: number }[];
  /** Service options shared by all services (claim settings, concurrency, block time). */
  readonly options?: Partial<ServiceOptions>;
  /** Enables the `work` type. */
  readonly work?: WorkLog;
  /**
   * Simulates a crash between the reply and the ack: the worker SIGKILLs itself
   * instead of sending its first ack of a topic entry, after the reply (and with
   * idempotency on, the stored reply) was written.
   */
  readonly dieBeforeAck?: boolean;
}

/** One line the worker prints. */
export type WorkerEvent =
  | { readonly event: 'ready'; readonly pid: number }
  | {
      readonly event: 'drained';
      /** Handlers that were running per service when the SIGTERM came. */
      readonly inFlightAtSignal: Record<string, number>;
      /** Stats per service after the drain. */
      readonly stats: Record<string, unknown>;
    };

function emit(event: WorkerEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const config = JSON.parse(process.argv[2] ?? '') as WorkerConfig;
const engine = await connect(config.url);
if (config.dieBeforeAck === true) {
  // Replies and acks leave together; write the replies, then die instead of acking.
  engine.appendAndAck = async (items) => {
    await engine.appendBatch(items);
    process.kill(process.pid, 'SIGKILL');
    return new Promise<void>(() => undefined);
  };
}
const services = config.services.map(({ name, topic, shards }) => {
  const service = new Service(engine, { ...config.options, name, topic, shards: shards ?? 1, consumer: config.consumer })
    .handle('add', (p: { a: number; b: number }) => p.a + p.b)
    .handle('concat', (p: { parts: string[] }) => p.parts.join(''))
    .handle('echo', (p: unknown, ctx) => ({ service: name, type: ctx.type, payload: p, by: config.consumer }))
    .handle('reject', (p: { reason: string }) => {
      throw new ServiceError(p.reason, { status: 409, errorCode: 'REJECTED', details: { service: name } });
    })
    // A message that kills the worker that runs it, as a native crash or an out-of-memory kill would.
    .handle('crash', () => {
      process.kill(process.pid, 'SIGKILL');
    });
  if (config.work !== undefined) service.handle('work', workHandler(engine, config.work, config.consumer));
  return service;
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  const inFlightAtSignal = Object.fromEntries(services.map((s) => [s.config.name, s.stats().inFlight]));
  void (async () => {
    await Promise.all(services.map((s) => s.drain()));
    emit({ event: 'drained', inFlightAtSignal, stats: Object.fromEntries(services.map((s) => [s.config.name, s.stats()])) });
    await engine.close();
    process.exit(0);
  })();
});
// The test process holds the other end: when it is gone, so is this worker.
process.stdin.on('end', () => process.exit(1));
process.stdin.resume();

await Promise.all(services.map((s) => s.start()));
emit({ event: 'ready', pid: process.pid });
