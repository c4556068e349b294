// What context optimization saved since the start: for /stats, /metrics and the dashboard.
import type { Usage } from '../dialects/types.ts';
import type { OptimizeResult } from './optimize-request.ts';

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

  /** One request looked at: its tokens before and after, and what changed (nothing, when unchanged). */
  record(result: OptimizeResult): void {
    this.requests++;
    this.tokensBefore += result.tokensBefore;
    this.tokensAfter += result.tokensAfter;
    if (result.body === undefined) return;
    const c = result.changes;
    this.optimized++;
    this.crushed += c.crushed;
    this.compacted += c.compacted;
    this.deduped += c.deduped;
    this.itemsDropped += c.itemsDropped;
    this.breakpoints += c.breakpoints;
  }

  /** The usage of a request given breakpoints: what the upstream read from its prompt cache. */
  recordCacheReads(usage: Usage | undefined): void {
    this.cacheReadTokens += usage?.cachedInputTokens ?? 0;
  }

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
