// The counters of one process, in memory: token buckets and period totals, claimed all or nothing.
// Bounded: at most `maxEntries` counters; when full, one not claimed lately is forgotten (a clock,
// or second-chance, eviction: a claim only sets a flag, no reordering per request). A bucket that
// has refilled and a period that has ended are forgotten by `sweep` (they equal a fresh one).
import type { BucketClaim, Claim, ClaimResult, PeriodClaim, Settlement } from './state-store.ts';

interface BucketState {
  /** Claimed since the eviction hand last passed it. */
  recent: boolean;
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
  /** As last claimed, so a sweep can tell a full bucket. */
  capacity: number;
  refillPerMs: number;
}

interface PeriodState {
  recent: boolean;
  /** Settled amounts (what a durable backend keeps). */
  settled: number;
  /** Reserved by requests still running. */
  reserved: number;
  endsAt: number;
}

type State = BucketState | PeriodState;

const OK: ClaimResult = { ok: true };

/** Reservations below this (USD or tokens) are float noise, not money. */
const RESERVED_EPSILON = 1e-9;

/** Where a period counter forgotten from memory is read back from (its settled total), if anywhere. */
export type SettledLoader = (key: string) => number;

export class CounterTable {
  readonly #entries = new Map<string, State>();
  readonly #maxEntries: number;
  readonly #load: SettledLoader | undefined;

  constructor(maxEntries: number, load?: SettledLoader) {
    this.#maxEntries = maxEntries;
    this.#load = load;
  }

  get size(): number {
    return this.#entries.size;
  }

  claim(claims: readonly Claim[], now: number): ClaimResult {
    const states: State[] = [];
    for (let i = 0; i < claims.length; i++) {
      const claim = claims[i]!;
      if (claim.kind === 'bucket') {
        const state = this.#bucket(claim, now);
        if (state.tokens < claim.amount) {
          const wait =
            claim.amount > claim.capacity ? Infinity : (claim.amount - state.tokens) / claim.refillPerMs;
          return {
            ok: false,
            index: i,
            remaining: Math.max(0, Math.floor(state.tokens)),
            retryAfterMs: wait,
          };
        }
        states.push(state);
      } else {
        const state = this.#period(claim);
        const used = state.settled + state.reserved;
        // A claim of nothing (a call that cannot be priced) still finds a spent budget spent.
        if (used + claim.amount > claim.limit || (claim.amount === 0 && used >= claim.limit)) {
          const wait = claim.amount > claim.limit ? Infinity : claim.endsAt - now;
          return { ok: false, index: i, remaining: Math.max(0, claim.limit - used), retryAfterMs: wait };
        }
        states.push(state);
      }
    }
    for (let i = 0; i < claims.length; i++) {
      const claim = claims[i]!;
      const state = states[i]!;
      if (claim.kind === 'bucket') (state as BucketState).tokens -= claim.amount;
      else (state as PeriodState).reserved += claim.amount;
      if (state.recent) continue;
      state.recent = true;
      if (!this.#entries.has(claim.key)) this.#remember(claim.key, state);
    }
    return OK;
  }

  settle(settlements: readonly Settlement[], now: number): void {
    for (const { claim, reserved, used } of settlements) {
      if (claim.kind === 'bucket') {
        // A bucket forgotten meanwhile refilled anyway: nothing to correct.
        const state = this.#entries.get(claim.key) as BucketState | undefined;
        if (!state) continue;
        refill(state, claim, now);
        state.tokens += reserved - used;
      } else {
        // Settled into the period it reserved in, even when that has ended meanwhile.
        let state = this.#entries.get(claim.key) as PeriodState | undefined;
        if (!state) {
          state = { recent: true, settled: this.#load?.(claim.key) ?? 0, reserved: 0, endsAt: claim.endsAt };
          this.#remember(claim.key, state);
        }
        // Float leftovers (0.1 + 0.2 - 0.3) would keep an ended period from ever being swept.
        const left = state.reserved - reserved;
        state.reserved = left < RESERVED_EPSILON ? 0 : left;
        state.settled += used;
      }
    }
  }

  level(claim: Claim, now: number): number | undefined {
    const state = this.#entries.get(claim.key);
    // A period not claimed since a restart is read back (it is not loaded into memory for a look).
    if (!state) return claim.kind === 'period' && claim.endsAt > now ? this.#load?.(claim.key) : undefined;
    if (claim.kind === 'bucket') {
      const bucket = state as BucketState;
      return Math.min(claim.capacity, bucket.tokens + Math.max(0, now - bucket.at) * claim.refillPerMs);
    }
    const period = state as PeriodState;
    return period.endsAt <= now ? 0 : period.settled + period.reserved;
  }

  /** Forgets what equals a fresh counter: ended periods with nothing reserved, full buckets. */
  sweep(now: number): void {
    for (const [key, state] of this.#entries) {
      if ('endsAt' in state) {
        if (state.endsAt <= now && state.reserved === 0) this.#entries.delete(key);
      } else if (state.tokens + Math.max(0, now - state.at) * state.refillPerMs >= state.capacity)
        this.#entries.delete(key);
    }
  }

  #bucket(claim: BucketClaim, now: number): BucketState {
    const state = this.#entries.get(claim.key) as BucketState | undefined;
    if (!state)
      return {
        recent: false,
        tokens: claim.capacity,
        at: now,
        capacity: claim.capacity,
        refillPerMs: claim.refillPerMs,
      };
    // A config reload may have changed the limit.
    state.capacity = claim.capacity;
    state.refillPerMs = claim.refillPerMs;
    refill(state, claim, now);
    return state;
  }

  #period(claim: PeriodClaim): PeriodState {
    const state = this.#entries.get(claim.key) as PeriodState | undefined;
    if (state) return state;
    const loaded: PeriodState = {
      recent: false,
      settled: this.#load?.(claim.key) ?? 0,
      reserved: 0,
      endsAt: claim.endsAt,
    };
    // Kept even if this claim is refused: a spent budget is not read back on every refusal.
    if (this.#load) this.#remember(claim.key, loaded);
    return loaded;
  }

  /**
   * Adds a counter, first making room: the hand passes the oldest, sparing those claimed lately
   * once. A period holding reservations is never forgotten (its running requests would be lost
   * from it), nor any period without a file to read it back from; those are bounded by requests
   * in flight and by the budgets configured.
   */
  #remember(key: string, state: State): void {
    const passes = this.#entries.size * 2;
    for (let seen = 0; this.#entries.size >= this.#maxEntries && seen < passes; seen++) {
      const [oldest, candidate] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      const kept = 'endsAt' in candidate && (candidate.reserved > 0 || !this.#load);
      if (kept || candidate.recent) {
        candidate.recent = false;
        this.#entries.set(oldest, candidate);
      }
    }
    this.#entries.set(key, state);
  }
}

function refill(state: BucketState, claim: BucketClaim, now: number): void {
  // A wall clock stepped back refills nothing rather than draining.
  const elapsed = Math.max(0, now - state.at);
  state.tokens = Math.min(claim.capacity, state.tokens + elapsed * claim.refillPerMs);
  state.at = Math.max(state.at, now);
}
