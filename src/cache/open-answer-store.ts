// The answer store `cache.store` names: memory, a table in the store layer's SQLite file
// (`store.sqlite`), which keeps answers across restarts, or Redis (`store.redis`), which the
// gateways sharing it share.
import type { Config } from '../config/load.ts';
import type { Logger } from '../log/logger.ts';
import { RedisAnswers } from '../store/redis-answers.ts';
import type { RedisConnection } from '../store/redis-connection.ts';
import { SqliteAnswers } from '../store/sqlite-answers.ts';
import type { Clock } from '../time/clock.ts';
import type { AnswerStore } from './answer-store.ts';
import { MemoryAnswers } from './memory-answers.ts';

export interface SharedState {
  /** The gateway's Redis connection, open when the config uses Redis. */
  redis: RedisConnection | undefined;
  logger: Logger;
  clock?: Clock;
}

export function openAnswerStore(config: Config, now: number, shared?: SharedState): AnswerStore {
  const c = config.cache;
  const bounds = {
    maxBytes: Math.round(c.max_size_mb * 1024 * 1024),
    maxEntryBytes: Math.round(c.max_entry_mb * 1024 * 1024),
    maxEntries: c.max_entries,
  };
  if (c.store === 'memory') return new MemoryAnswers(bounds);
  if (c.store === 'redis') {
    // The config check makes sure of store.redis; the gateway opens the connection from it.
    if (shared?.redis === undefined) throw new Error('cache.store: redis needs store.redis (a redis:// URL)');
    return new RedisAnswers({
      connection: shared.redis,
      maxEntryBytes: Math.min(bounds.maxEntryBytes, bounds.maxBytes),
      logger: shared.logger,
      ...(shared.clock ? { clock: shared.clock } : {}),
    });
  }
  try {
    return new SqliteAnswers(config.store.sqlite, bounds, now);
  } catch (err) {
    throw new Error(
      `cache.store: sqlite cannot open ${config.store.sqlite}: ${(err as Error).message}. Point store.sqlite at a writable file.`,
      { cause: err },
    );
  }
}
