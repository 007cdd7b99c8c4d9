/** A redis-server of a test file's own and an engine on it, started before its tests and stopped after them. */
import { after, before } from 'node:test';
import { connect, type Engine } from '@streamerson/core';
import { startRedis, type RedisServer } from '@streamerson/testkit';

export interface RedisEngine {
  readonly server: RedisServer;
  readonly engine: Engine;
}

/** Registers the file's `before` and `after`; the fields are set once the tests run. */
export function useRedisEngine(): RedisEngine {
  const fixture = {} as { server: RedisServer; engine: Engine };
  before(async () => {
    fixture.server = await startRedis();
    fixture.engine = await connect(fixture.server.url);
  });
  after(async () => {
    await fixture.engine?.close();
    await fixture.server?.stop();
  });
  return fixture;
}
