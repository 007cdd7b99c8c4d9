/** The machine and software a run measured, recorded next to its figures. */
import { cpus, platform, release, totalmem } from 'node:os';
import type { Redis } from 'ioredis';

/** Where the numbers come from. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly redisServer: string;
}

/** Describes this machine and the redis-server behind `admin`. */
export async function describeMachine(admin: Redis): Promise<MachineInfo> {
  const info = await admin.info('server');
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    redisServer: /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown',
  };
}
