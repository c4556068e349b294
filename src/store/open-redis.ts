// The gateway's Redis connection, opened when the config names one (`store.redis`, `REDIS_URL`):
// then upstream key budgets are shared with every process on it, and answers too with
// `cache.store: redis`.
import type { Config } from '../config/load.ts';
import type { Logger } from '../log/logger.ts';
import { RedisConnection } from './redis-connection.ts';

export function usesRedis(config: Config): boolean {
  return config.store.redis !== undefined;
}

export function openRedis(config: Config, logger: Logger): RedisConnection | undefined {
  const url = config.store.redis;
  if (!usesRedis(config) || url === undefined) return undefined;
  return new RedisConnection({ url, logger });
}
