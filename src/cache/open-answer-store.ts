// The answer store `cache.store` names: memory, or a table in the store layer's SQLite file
// (`store.sqlite`), which keeps answers across restarts.
import type { Config } from '../config/load.ts';
import { SqliteAnswers } from '../store/sqlite-answers.ts';
import type { AnswerStore } from './answer-store.ts';
import { MemoryAnswers } from './memory-answers.ts';

export function openAnswerStore(config: Config, now: number): AnswerStore {
  const c = config.cache;
  const bounds = {
    maxBytes: Math.round(c.max_size_mb * 1024 * 1024),
    maxEntryBytes: Math.round(c.max_entry_mb * 1024 * 1024),
    maxEntries: c.max_entries,
  };
  if (c.store === 'memory') return new MemoryAnswers(bounds);
  if (c.store === 'redis')
    throw new Error(
      'cache.store: redis needs the Redis store, which this release does not have yet; use memory or sqlite.',
    );
  try {
    return new SqliteAnswers(config.store.sqlite, bounds, now);
  } catch (err) {
    throw new Error(
      `cache.store: sqlite cannot open ${config.store.sqlite}: ${(err as Error).message}. Point store.sqlite at a writable file.`,
      { cause: err },
    );
  }
}
