// The keys of one upstream as one capacity: a request goes to a key that can take it now, chosen
// by the balancing strategy; when none can, the wait is until the first one can.
import type { Cost } from '../limits/cost.ts';
import type { KeyBudget, Reservation } from '../limits/key-budget.ts';
import type { Capacity } from '../limits/upstream-queue.ts';

export type Balance = 'round_robin' | 'least_loaded' | 'most_remaining';

export interface PooledKey {
  /** The key sent upstream; undefined when the client's own credentials pass through. */
  readonly secret: string | undefined;
  /** How the key is shown (masked). */
  readonly label: string;
  readonly budget: KeyBudget;
}

export interface KeyGrant {
  readonly key: PooledKey;
  readonly reservation: Reservation;
}

/** Nothing tells when an in-flight request ends; settling wakes the queue long before this. */
const UNTIL_SOMETHING_SETTLES_MS = 60_000;

export class KeyPool implements Capacity<KeyGrant> {
  readonly keys: readonly PooledKey[];
  readonly #balance: Balance;
  readonly #maxConcurrent: number;
  #next = 0;
  #inFlight = 0;
  readonly #watchers = new Set<() => void>();

  constructor(keys: readonly PooledKey[], balance: Balance, maxConcurrent = Number.POSITIVE_INFINITY) {
    this.keys = keys;
    this.#balance = balance;
    this.#maxConcurrent = maxConcurrent;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Called whenever room may have appeared (a request settled, an answer taught new limits). */
  onChange(watcher: () => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  changed(): void {
    for (const w of this.#watchers) w();
  }

  waitFor(cost: Cost): number {
    if (this.#inFlight >= this.#maxConcurrent) return UNTIL_SOMETHING_SETTLES_MS;
    let best = Number.POSITIVE_INFINITY;
    for (const key of this.keys) {
      const w = key.budget.waitFor(cost);
      if (w < best) best = w;
      if (best === 0) break;
    }
    return best;
  }

  admit(cost: Cost): KeyGrant {
    const key = this.#pick(cost);
    this.#inFlight++;
    return { key, reservation: key.budget.reserve(cost) };
  }

  /** The request is over; `actual` is its real cost (undefined: the estimate stands). */
  settle(grant: KeyGrant, actual: Cost | undefined): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    grant.key.budget.settle(grant.reservation, actual);
    this.changed();
  }

  #pick(cost: Cost): PooledKey {
    const n = this.keys.length;
    if (n === 1) return this.keys[0]!;
    if (this.#balance === 'round_robin') {
      for (let i = 0; i < n; i++) {
        const key = this.keys[(this.#next + i) % n]!;
        if (key.budget.waitFor(cost) === 0) {
          this.#next = (this.#next + i + 1) % n;
          return key;
        }
      }
    }
    let best: PooledKey | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      // Start after the last pick, so ties rotate instead of piling on the first key.
      const key = this.keys[(this.#next + i) % n]!;
      if (key.budget.waitFor(cost) !== 0) continue;
      const score = this.#balance === 'least_loaded' ? -key.budget.inFlight : headroom(key.budget);
      if (score > bestScore) {
        best = key;
        bestScore = score;
      }
    }
    this.#next = (this.#next + 1) % n;
    return best ?? this.keys[0]!;
  }
}

/** The smallest share left among a key's per-minute windows (1: untouched; unknown counts as 1). */
function headroom(budget: KeyBudget): number {
  let share = 1;
  for (const dimension of ['requests', 'tokens'] as const) {
    const limit = budget.limitOf(dimension, 'minute');
    const remaining = budget.remainingOf(dimension, 'minute');
    if (limit !== undefined && remaining !== undefined && limit > 0)
      share = Math.min(share, remaining / limit);
  }
  return share - budget.inFlight * 1e-6;
}
