// The store interface: counters that requests claim room on before they run and settle after, and
// the spend ledger. Ingress limits and budgets use it; the memory and SQLite backends implement it,
// and a shared backend (Redis, one Lua script per call) can implement the same calls.
//
//   claim([...])   all or nothing: every counter has room for its amount, or none is touched
//   settle([...])  each claim corrected from what it reserved to what was really used; with a
//                  spend record, the record and the settled amounts are written together

/** A token bucket: holds up to `capacity`, refills `refillPerMs` per ms (an ingress rpm or tpm). */
export interface BucketClaim {
  readonly kind: 'bucket';
  readonly key: string;
  readonly amount: number;
  readonly capacity: number;
  readonly refillPerMs: number;
}

/** A total over a calendar period (a budget): at most `limit` until `endsAt`, then a new counter. */
export interface PeriodClaim {
  readonly kind: 'period';
  /** Names the counter and the period instance (`budget/global/daily/2026-12-02`). */
  readonly key: string;
  readonly amount: number;
  readonly limit: number;
  /** Epoch ms when the period ends and the counter may be forgotten. */
  readonly endsAt: number;
}

export type Claim = BucketClaim | PeriodClaim;

export type ClaimResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Which claim had no room. */
      readonly index: number;
      /** Room left on it (what a client is told it may still use). */
      readonly remaining: number;
      /** Ms until the amount would fit (a bucket refilling, a period ending); Infinity: never. */
      readonly retryAfterMs: number;
    };

/** One claim settled: it reserved `reserved`, the request really used `used`. */
export interface Settlement {
  readonly claim: Claim;
  readonly reserved: number;
  readonly used: number;
}

/** What one request spent, as the ledger keeps it. */
export interface SpendRecord {
  /** Epoch ms when it was settled. */
  readonly at: number;
  readonly requestId: string;
  /** The client's id as identity gives it (a hash or a name, never a key). */
  readonly client: string;
  readonly upstream: string;
  readonly model: string;
  /** USD; undefined when no price was known (recorded as unknown, never as zero). */
  readonly costUsd: number | undefined;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface SpendQuery {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  /** Sum per this column; none: one row for all. */
  readonly groupBy?: 'client' | 'upstream' | 'model' | undefined;
}

export interface SpendRow {
  /** The group's value (`client`, `upstream` or `model`); absent without grouping. */
  readonly group?: string;
  readonly requests: number;
  readonly costUsd: number;
  /** Requests whose cost is unknown (no price), not counted in `costUsd`. */
  readonly unpriced: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Synchronous backends answer at once; a shared one answers with a promise. Callers take both. */
export type Maybe<T> = T | Promise<T>;

export interface StateStore {
  /** `memory`, `sqlite`: what /stats names. */
  readonly backend: string;
  /** Where the state lives, for /stats (a file path; undefined in memory). */
  readonly location: string | undefined;
  claim(claims: readonly Claim[], now: number): Maybe<ClaimResult>;
  /**
   * `durable` is called once the record is written where a `kill -9` cannot take it (at once by a
   * backend that keeps nothing; after the commit by one that does), so an answer can wait for it.
   */
  settle(
    settlements: readonly Settlement[],
    now: number,
    record?: SpendRecord,
    durable?: () => void,
  ): Maybe<void>;
  /** A counter's amount now (a bucket's tokens left, a period's total), for stats; undefined: untouched. */
  level(claim: Claim, now: number): Maybe<number | undefined>;
  spend(query: SpendQuery): Maybe<SpendRow[]>;
  /** Forgets counters that equal fresh ones (refilled buckets, ended periods); run now and then. */
  sweep(now: number): Maybe<void>;
  /** Counters held in memory now (bounded), for stats. */
  readonly size: number;
  close(): Maybe<void>;
}
