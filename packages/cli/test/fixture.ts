/** The fixture most CLI test files share: a redis-server of their own, an engine on it and a temporary directory. */
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Engine } from '@streamerson/core';
import { startRedis, type RedisServer } from '@streamerson/testkit';

export interface CliFixture {
  readonly redis: RedisServer;
  readonly engine: Engine;
  /** The server's URL, for `--url`. */
  readonly url: string;
  /** A fresh temporary directory, removed by {@link CliFixture.stop}. */
  readonly dir: string;
  stop(): Promise<void>;
}

/** Starts the server, connects and makes the directory (named from `dirPrefix`). */
async function startCliFixture(dirPrefix: string): Promise<CliFixture> {
  const redis = await startRedis();
  const engine = await connect(redis.url);
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  return {
    redis,
    engine,
    url: redis.url,
    dir,
    async stop() {
      await engine.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * {@link startCliFixture} for the tests of the enclosing `describe`: started
 * before them, stopped after them. Its fields are read when a test runs.
 */
export function useCliFixture(dirPrefix: string): Omit<CliFixture, 'stop'> {
  let fixture: CliFixture | undefined;
  before(async () => {
    fixture = await startCliFixture(dirPrefix);
  });
  after(() => fixture?.stop());
  const started = (): CliFixture => {
    if (fixture === undefined) throw new Error('the CLI fixture is used before its tests started');
    return fixture;
  };
  return {
    get redis() {
      return started().redis;
    },
    get engine() {
      return started().engine;
    },
    get url() {
      return started().url;
    },
    get dir() {
      return started().dir;
    },
  };
}
