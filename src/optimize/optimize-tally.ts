// What context optimization saved since the start: for /stats, /metrics and the dashboard.

export interface OptimizeStats {
  enabled: boolean;
  /** Requests the stage looked at, and those it changed. */
  requests: number;
  optimized: number;
  /** Estimated input tokens of the requests looked at, before and after. */
  tokens_before: number;
  tokens_after: number;
  tokens_saved: number;
  /** tokens_saved / tokens_before, in percent; 0 before any request. */
  saved_percent: number;
  /** Tool outputs changed, by transform, and array items left out. */
  crushed: number;
  compacted: number;
  deduped: number;
  items_dropped: number;
  /** Anthropic prompt-cache breakpoints placed, and the input tokens upstreams then read from their cache. */
  breakpoints: number;
  cache_read_tokens: number;
}

export class OptimizeTally {
  requests = 0;
  optimized = 0;
  tokensBefore = 0;
  tokensAfter = 0;
  crushed = 0;
  compacted = 0;
  deduped = 0;
  itemsDropped = 0;
  breakpoints = 0;
  cacheReadTokens = 0;

  /** `enabled`: the setting now (a reload may change it; the counts go on). */
  stats(enabled: boolean): OptimizeStats {
    const saved = this.tokensBefore - this.tokensAfter;
    return {
      enabled,
      requests: this.requests,
      optimized: this.optimized,
      tokens_before: this.tokensBefore,
      tokens_after: this.tokensAfter,
      tokens_saved: saved,
      saved_percent: this.tokensBefore > 0 ? Math.round((saved / this.tokensBefore) * 1000) / 10 : 0,
      crushed: this.crushed,
      compacted: this.compacted,
      deduped: this.deduped,
      items_dropped: this.itemsDropped,
      breakpoints: this.breakpoints,
      cache_read_tokens: this.cacheReadTokens,
    };
  }
}
