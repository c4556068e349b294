// The cache a gateway keeps across config reloads: the answers, the flights of misses running now,
// and what it has done (hits, misses, what they saved), for /stats and /metrics.

import { RecordingPool } from './answer-recorder.ts';
import type { AnswerFilter, AnswerStore } from './answer-store.ts';
import { Flights } from './flights.ts';
import type { SemanticIndex } from './semantic/semantic-index.ts';

export interface CacheTally {
  hits: number;
  misses: number;
  /** Requests whose client asked the cache to stand aside (`Cache-Control: no-cache`, `no-store`). */
  bypassed: number;
  /** Misses answered from an identical miss's upstream call instead of their own. */
  coalesced: number;
  /** Answers put in the cache. */
  stored: number;
  /** Hits by meaning (semantic mode), counted in `hits` too; and those shadow mode only logged. */
  semanticHits: number;
  shadowHits: number;
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
  /** The semantic mode, when on: requests remembered by meaning, hits served, shadow would-be hits. */
  semantic: { entries: number; capacity: number; hits: number; shadow_hits: number } | null;
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
  /** Misses being recorded hold at most the cache's own bound between them. */
  readonly recording: RecordingPool;
  readonly tally: CacheTally = {
    hits: 0,
    misses: 0,
    bypassed: 0,
    coalesced: 0,
    stored: 0,
    semanticHits: 0,
    shadowHits: 0,
    savedInputTokens: 0,
    savedOutputTokens: 0,
    savedUsd: 0,
  };

  /** Requests remembered by meaning (`cache.semantic`, set at start); their answers are in `store`. */
  readonly semanticIndex: SemanticIndex | undefined;

  constructor(store: AnswerStore, maxBytes: number, semanticIndex?: SemanticIndex) {
    this.store = store;
    this.maxBytes = maxBytes;
    this.recording = new RecordingPool(maxBytes);
    this.semanticIndex = semanticIndex;
  }

  /** Removes what the filter names; how many answers went. */
  async clear(filter: AnswerFilter): Promise<number> {
    this.semanticIndex?.clear(filter);
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
      semantic: this.semanticIndex
        ? {
            entries: this.semanticIndex.size,
            capacity: this.semanticIndex.capacity,
            hits: t.semanticHits,
            shadow_hits: t.shadowHits,
          }
        : null,
      hit_ratio: looked === 0 ? 0 : t.hits / looked,
      in_flight: this.flights.size,
      waiting: this.flights.waiting,
      saved: { input_tokens: t.savedInputTokens, output_tokens: t.savedOutputTokens, usd: t.savedUsd },
    };
  }
}
