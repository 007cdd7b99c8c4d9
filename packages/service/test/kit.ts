/**
 * The per-suite set-up of the engine-neutral flows: the engine of a shared
 * fixture, and services and clients that are closed after the suite.
 * Call inside a `describe`.
 */
import { after, before } from 'node:test';
import type { Engine } from '@streamerson/core';
import { Client, Service, type ClientOptions, type ServiceOptions } from '../src/index.js';
import type { Fixture } from './flows.js';

/** Short block, retry and claim times, so that flows run in milliseconds. */
export const FAST: Partial<ServiceOptions> = { blockMs: 50, retryDelayMs: 20, maxRetryDelayMs: 40, claimIntervalMs: 50 };

export interface SuiteKit {
  /** The suite's engine (set once the suite started). */
  engine(): Engine;
  /** A member `m1` of the service `svc-<topic>`, with {@link FAST} times. */
  service(topic: string, options?: Partial<ServiceOptions>): Service;
  client(options?: ClientOptions): Client;
}

export function suiteKit(setup: () => Promise<Fixture>, defaults: Partial<ServiceOptions> = {}): SuiteKit {
  let fx: Fixture | undefined;
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    fx = await setup();
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await fx?.teardown();
  });
  const engine = (): Engine => fx!.engine;
  return {
    engine,
    service(topic, options = {}) {
      const s = new Service(engine(), { name: `svc-${topic}`, topic, consumer: 'm1', ...FAST, ...defaults, ...options });
      closers.push(() => s.close());
      return s;
    },
    client(options = {}) {
      const c = new Client(engine(), { blockMs: 50, ...options });
      closers.push(() => c.close());
      return c;
    },
  };
}
