// How one key of a pool is doing: what it was sent, how it answered, its breaker, and whether the
// upstream refused the key itself (401/403), which takes it out of the pool until a reload.
import type { Clock } from '../time/clock.ts';
import { type BreakerSettings, type BreakerStats, CircuitBreaker } from './circuit-breaker.ts';

export interface KeyHealthStats {
  requests: number;
  errors: number;
  rate_limited: number;
  /** Stream events it sent that were not well-formed (dropped on the way). */
  malformed_events: number;
  breaker: BreakerStats;
  /** Why the key is out of the pool (the upstream refused it). */
  removed?: string;
}

export class KeyHealth {
  readonly breaker: CircuitBreaker;
  requests = 0;
  errors = 0;
  rateLimited = 0;
  malformedEvents = 0;
  /** Set when the upstream refused the key itself; the key gets nothing more until a reload. */
  removed: string | undefined;

  constructor(breaker: BreakerSettings, clock: Clock) {
    this.breaker = new CircuitBreaker(breaker, clock);
  }

  /** Milliseconds until the key may be sent to again, as far as its health goes. */
  waitMs(): number {
    return this.removed !== undefined ? Number.POSITIVE_INFINITY : this.breaker.waitMs();
  }

  stats(): KeyHealthStats {
    const out: KeyHealthStats = {
      requests: this.requests,
      errors: this.errors,
      rate_limited: this.rateLimited,
      malformed_events: this.malformedEvents,
      breaker: this.breaker.stats(),
    };
    if (this.removed !== undefined) out.removed = this.removed;
    return out;
  }
}
