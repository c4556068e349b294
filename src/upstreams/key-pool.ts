// The keys of one upstream as one capacity: a request goes to a key that can take it now, chosen
// by the balancing strategy; when none can, the wait is until the first one can. A key whose
// breaker is open, or that the upstream refused (401/403), is passed over; the upstream's own
// breaker (every key failing: the provider is down) holds everything back.
import { GatewayError } from '../errors/gateway-error.ts';
import type { Cost } from '../limits/cost.ts';
import type { KeyBudget, Reservation } from '../limits/key-budget.ts';
import type { Capacity } from '../limits/upstream-queue.ts';
import type { BreakerTicket, CircuitBreaker } from './circuit-breaker.ts';
import type { KeyHealth } from './key-health.ts';

export type Balance = 'round_robin' | 'least_loaded' | 'most_remaining';

export interface PooledKey {
  /** The key sent upstream; undefined when the client's own credentials pass through. */
  readonly secret: string | undefined;
  /** Header pairs naming what the key acts for (its organization, project), sent with it. */
  readonly scope: readonly string[];
  /** How the key is shown (masked). */
  readonly label: string;
  readonly budget: KeyBudget;
  readonly health: KeyHealth;
}

export interface KeyGrant {
  readonly key: PooledKey;
  readonly reservation: Reservation;
  /** What the key's breaker needs back with the outcome (whether this is its half-open probe). */
  readonly keyTicket: BreakerTicket;
  /** ... and the upstream's breaker. */
  readonly upstreamTicket: BreakerTicket;
}

/** Keys a retried request would rather not get again (they just failed it). */
export type TriedKeys = ReadonlySet<PooledKey>;

/** What a withdrawn grant really used: nothing, so its reservation is taken back whole. */
const NOTHING_SENT: Cost = { requests: 0, inputTokens: 0, outputTokens: 0 };

/** Nothing tells when an in-flight request ends; settling wakes the queue long before this. */
const UNTIL_SOMETHING_SETTLES_MS = 60_000;

export interface KeyPoolOptions {
  name: string;
  balance: Balance;
  maxConcurrent?: number | undefined;
  /** The upstream's breaker, shared by every pool of the upstream. */
  upstreamBreaker: CircuitBreaker;
}

export class KeyPool implements Capacity<KeyGrant, TriedKeys> {
  readonly keys: readonly PooledKey[];
  readonly #o: KeyPoolOptions;
  readonly #maxConcurrent: number;
  #next = 0;
  #inFlight = 0;
  readonly #watchers = new Set<() => void>();

  constructor(keys: readonly PooledKey[], options: KeyPoolOptions) {
    this.keys = keys;
    this.#o = options;
    this.#maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY;
    // A key shared with other processes may get room back from their answers: the queue asks again.
    for (const key of keys) key.budget.onSharedRoom(() => this.changed());
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get upstreamBreaker(): CircuitBreaker {
    return this.#o.upstreamBreaker;
  }

  /** Keys still in the pool (not refused by the upstream). */
  get usable(): number {
    let n = 0;
    for (const key of this.keys) if (key.health.removed === undefined) n++;
    return n;
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
      const w = keyWait(key, cost);
      if (w < best) best = w;
      if (best === 0) break;
    }
    return Math.max(best, this.#o.upstreamBreaker.waitMs());
  }

  /**
   * Why waiting is because of failures (open breakers, refused keys), not limits, for longer than
   * `withinMs`; else undefined. A half-open breaker counts as soon: its probe may close it any time,
   * unless `probeBlocks` (the caller has a fallback and need not wait for the probe's verdict).
   */
  explain(cost: Cost, withinMs = 0, probeBlocks = false): GatewayError | undefined {
    const name = this.#o.name;
    if (this.usable === 0) {
      return new GatewayError(
        'upstream_unavailable',
        `Every key of upstream "${name}" was refused by the upstream (401/403); fix the keys and reload the config.`,
      );
    }
    const tooLarge = this.#tooLarge(cost);
    if (tooLarge) return tooLarge;
    if (this.#inFlight >= this.#maxConcurrent) return undefined;
    const upstreamWait = this.#o.upstreamBreaker.openFor(probeBlocks);
    const whose = upstreamWait > 0 ? 'its circuit breaker is' : "its keys' circuit breakers are";
    let limitWait = Number.POSITIVE_INFINITY;
    let healthWait = Number.POSITIVE_INFINITY;
    for (const key of this.keys) {
      if (key.health.removed !== undefined) continue;
      const budgetWait = key.budget.waitFor(cost);
      limitWait = Math.min(limitWait, budgetWait);
      healthWait = Math.min(healthWait, Math.max(key.health.breaker.openFor(probeBlocks), budgetWait));
    }
    const wait = Math.max(upstreamWait, healthWait);
    if (wait <= withinMs || (upstreamWait === 0 && healthWait <= limitWait)) return undefined;
    return new GatewayError(
      'upstream_unavailable',
      `Upstream "${name}" is failing: ${whose} open (next try in ${Math.ceil(wait / 1000)} s).`,
      { retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) },
    );
  }

  /** A request goes to a fallback because this pool is failing: its breakers probe sooner. */
  probeSooner(): void {
    this.#o.upstreamBreaker.probeSooner();
    for (const key of this.keys) key.health.breaker.probeSooner();
  }

  /** The request is larger than a whole window of every usable key: waiting can never help. */
  #tooLarge(cost: Cost): GatewayError | undefined {
    let reason: string | undefined;
    for (const key of this.keys) {
      if (key.health.removed !== undefined) continue;
      const why = key.budget.tooLarge(cost);
      if (why === undefined) return undefined;
      reason ??= why;
    }
    if (reason === undefined) return undefined;
    return new GatewayError(
      'request_too_large',
      `This request can never be sent to upstream "${this.#o.name}": ${reason}. Shorten the prompt or raise the limit.`,
    );
  }

  admit(cost: Cost, tried?: TriedKeys): KeyGrant {
    const key = this.#pick(cost, tried);
    this.#inFlight++;
    key.health.requests++;
    const keyTicket = key.health.breaker.onSend();
    const upstreamTicket = this.#o.upstreamBreaker.onSend();
    return { key, reservation: key.budget.reserve(cost), keyTicket, upstreamTicket };
  }

  /**
   * The grant is given back unused (the shared store found no room on its key after all): as if
   * it had never been made, so the request can take its place in line again.
   */
  withdraw(grant: KeyGrant): void {
    grant.key.health.requests = Math.max(0, grant.key.health.requests - 1);
    grant.key.health.breaker.release(grant.keyTicket);
    this.#o.upstreamBreaker.release(grant.upstreamTicket);
    this.settle(grant, NOTHING_SENT);
  }

  /** The request is over; `actual` is its real cost (undefined: the estimate stands). */
  settle(grant: KeyGrant, actual: Cost | undefined): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    grant.key.budget.settle(grant.reservation, actual);
    this.changed();
  }

  #pick(cost: Cost, tried: TriedKeys | undefined): PooledKey {
    const n = this.keys.length;
    if (n === 1) return this.keys[0]!;
    if (this.#o.balance === 'round_robin') {
      // Keys that just failed this request are the last resort.
      for (const avoid of tried && tried.size > 0 ? [true, false] : [false]) {
        for (let i = 0; i < n; i++) {
          const key = this.keys[(this.#next + i) % n]!;
          if ((avoid && tried!.has(key)) || keyWait(key, cost) !== 0) continue;
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
      if (keyWait(key, cost) !== 0) continue;
      let score = this.#o.balance === 'least_loaded' ? -key.budget.inFlight : headroom(key.budget);
      if (tried?.has(key)) score -= 1e9;
      if (score > bestScore) {
        best = key;
        bestScore = score;
      }
    }
    this.#next = (this.#next + 1) % n;
    return best ?? this.keys[0]!;
  }
}

function keyWait(key: PooledKey, cost: Cost): number {
  const health = key.health.waitMs();
  if (health === Number.POSITIVE_INFINITY) return health;
  return Math.max(health, key.budget.waitFor(cost));
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
