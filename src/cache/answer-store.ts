// Where cached answers live, behind one interface: memory (the default) or the SQLite file of the
// store layer (kept across restarts). Both are bounded by bytes, least recently used out first.
import type { Maybe } from '../store/state-store.ts';
import type { SharedFlights } from './flights.ts';
import type { StoredAnswer } from './stored-answer.ts';

/** Which entries a clear removes; empty: all of them. */
export interface AnswerFilter {
  upstream?: string;
  model?: string;
}

export interface AnswerStore {
  /** `memory`, `sqlite`: what /stats names. */
  readonly backend: string;
  /** The entry under `key` still fresh at `now` (wall ms), or undefined. */
  get(key: string, now: number): Maybe<StoredAnswer | undefined>;
  /** Stores it (an entry over the store's bound per entry is not kept). */
  put(key: string, answer: StoredAnswer): Maybe<void>;
  /** Removes the entries the filter names; how many went. */
  clear(filter: AnswerFilter): Maybe<number>;
  /** Forgets expired entries. */
  sweep(now: number): Maybe<void>;
  readonly entries: number;
  readonly bytes: number;
  /** A store shared by processes coalesces identical misses across them too. */
  readonly flights?: SharedFlights | undefined;
  close(): Maybe<void>;
}

export function matches(filter: AnswerFilter, answer: { upstream: string; model: string }): boolean {
  return (
    (filter.upstream === undefined || filter.upstream === answer.upstream) &&
    (filter.model === undefined || filter.model === answer.model)
  );
}
