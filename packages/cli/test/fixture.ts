/** The fixture most CLI test files share: a redis-server of their own, an engine on it and a temporary directory. */
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
export async function startCliFixture(dirPrefix: string): Promise<CliFixture> {
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
