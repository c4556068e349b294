// The cache a gateway keeps across config reloads: the answers, the flights of misses running now,
// and what it has done (hits, misses, what they saved), for /stats and /metrics.
import type { AnswerFilter, AnswerStore } from './answer-store.ts';
import { Flights } from './flights.ts';

export interface CacheTally {
  hits: number;
  misses: number;
  /** Requests whose client asked the cache to stand aside (`Cache-Control: no-cache`, `no-store`). */
  bypassed: number;
  /** Misses answered from an identical miss's upstream call instead of their own. */
  coalesced: number;
  /** Answers put in the cache. */
  stored: number;
  /** Tokens and cost hits would have cost upstream. */
  savedInputTokens: number;
  savedOutputTokens: number;
  savedUsd: number;
}

export interface CacheStats {
  enabled: boolean;
  store: string;
  entries: number;
  bytes: number;
  max_bytes: number;
  ttl_seconds: number;
  hits: number;
  misses: number;
  bypassed: number;
  coalesced: number;
  stored: number;
  /** hits / (hits + misses); 0 before any lookup. */
  hit_ratio: number;
  /** Misses going upstream now that identical requests may wait for, and how many wait. */
  in_flight: number;
  waiting: number;
  saved: { input_tokens: number; output_tokens: number; usd: number };
}

export class ResponseCache {
  readonly store: AnswerStore;
  readonly maxBytes: number;
  readonly flights = new Flights();
  readonly tally: CacheTally = {
    hits: 0,
    misses: 0,
    bypassed: 0,
    coalesced: 0,
    stored: 0,
    savedInputTokens: 0,
    savedOutputTokens: 0,
    savedUsd: 0,
  };

  constructor(store: AnswerStore, maxBytes: number) {
    this.store = store;
    this.maxBytes = maxBytes;
  }

  /** Removes what the filter names; how many answers went. */
  async clear(filter: AnswerFilter): Promise<number> {
    return await this.store.clear(filter);
  }

  stats(enabled: boolean, ttlMs: number): CacheStats {
    const t = this.tally;
    const looked = t.hits + t.misses;
    return {
      enabled,
      store: this.store.backend,
      entries: this.store.entries,
      bytes: this.store.bytes,
      max_bytes: this.maxBytes,
      ttl_seconds: ttlMs / 1000,
      hits: t.hits,
      misses: t.misses,
      bypassed: t.bypassed,
      coalesced: t.coalesced,
      stored: t.stored,
      hit_ratio: looked === 0 ? 0 : t.hits / looked,
      in_flight: this.flights.size,
      waiting: this.flights.waiting,
      saved: { input_tokens: t.savedInputTokens, output_tokens: t.savedOutputTokens, usd: t.savedUsd },
    };
  }
}
