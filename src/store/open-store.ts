// The store a gateway runs on, from `store:`: the SQLite file by default, memory for `:memory:`.
import { MemoryStore } from './memory-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { StateStore } from './state-store.ts';

export interface StoreSettings {
  sqlite: string;
  /** Counters held in memory at most (clients' buckets, budget periods). */
  maxCounters: number;
  /** Told when the store fails to write (spend stays counted in memory). */
  onError: (err: unknown) => void;
}

export function openStore(settings: StoreSettings): StateStore {
  if (settings.sqlite === ':memory:') return new MemoryStore({ maxCounters: settings.maxCounters });
  try {
    return new SqliteStore({
      path: settings.sqlite,
      maxCounters: settings.maxCounters,
      onError: settings.onError,
    });
  } catch (err) {
    throw new Error(
      `store.sqlite: cannot open ${settings.sqlite}: ${(err as Error).message}. Point it at a writable file, or use ":memory:" to keep nothing.`,
      { cause: err },
    );
  }
}
