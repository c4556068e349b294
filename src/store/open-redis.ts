// The gateway's Redis connection, opened when something in the config keeps its state there (today
// `cache.store: redis`; shared key budgets and client limits will join this list), else none.
import type { Config } from '../config/load.ts';
import type { Logger } from '../log/logger.ts';
import { RedisConnection } from './redis-connection.ts';

export function usesRedis(config: Config): boolean {
  return config.cache.store === 'redis';
}

export function openRedis(config: Config, logger: Logger): RedisConnection | undefined {
  const url = config.store.redis;
  if (!usesRedis(config) || url === undefined) return undefined;
  return new RedisConnection({ url, logger });
}
