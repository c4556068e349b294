// Admission to one upstream (or one REST host route): its wait queue in front of its keys (and of
// its pace, for REST). A lease is what a request holds while it runs: a key and a reservation.
import type { RateLimitReading } from '../dialects/types.ts';
import type { Cost } from '../limits/cost.ts';
import type { Reservation } from '../limits/key-budget.ts';
import type { Pace } from '../limits/pace.ts';
import { type Admitted, type Capacity, type Priority, UpstreamQueue } from '../limits/upstream-queue.ts';
import type { Clock } from '../time/clock.ts';
import type { BreakerTicket, CircuitBreaker } from './circuit-breaker.ts';
import type { KeyGrant, KeyPool, PooledKey, TriedKeys } from './key-pool.ts';

export interface Lease {
  readonly key: PooledKey;
  readonly reservation: Reservation;
  readonly waitedMs: number;
  /** Requests still waiting behind this one when it was admitted. */
  readonly queueLength: number;
  /** What the answer's headers say about the key's limits. */
  learn(reading: RateLimitReading): void;
  /** The upstream refused: this key sends nothing for `ms`. */
  pause(ms: number): void;
  /** The attempt worked: the key's and the upstream's breakers hear it. */
  succeeded(): void;
  /**
   * The attempt failed (connection, timeout, 5xx, broken stream); `minOpenMs` from a Retry-After.
   * `judged` holds the breakers this request's earlier failures already counted against: each
   * breaker hears one request fail once, however often it is retried, so a request that always
   * fails (its content, say) cannot keep the breakers open for everyone else.
   */
  failed(minOpenMs?: number, judged?: Set<CircuitBreaker>): void;
  /** The upstream answered 429: not a failure of the key, but counted. */
  rateLimited(): void;
  /** The upstream refused the key itself (401/403): out of the pool until a reload. */
  removeKey(reason: string): void;
  /** The request is over; `actual` replaces the estimate (undefined: it stands). Idempotent. */
  settle(actual: Cost | undefined): void;
}

export interface SchedulerOptions {
  name: string;
  pool: KeyPool;
  paces: readonly Pace[];
  maxQueue: number;
  queueTimeoutMs: number;
  clock: Clock;
}

export class Scheduler {
  readonly name: string;
  readonly pool: KeyPool;
  readonly #queue: UpstreamQueue<KeyGrant, TriedKeys>;
  readonly #unwatch: () => void;
  readonly #clock: Clock;
  readonly #timeoutMs: number;

  constructor(o: SchedulerOptions) {
    this.name = o.name;
    this.pool = o.pool;
    this.#clock = o.clock;
    this.#timeoutMs = o.queueTimeoutMs;
    const capacity: Capacity<KeyGrant, TriedKeys> =
      o.paces.length === 0
        ? o.pool
        : {
            explain: (cost, withinMs) => o.pool.explain(cost, withinMs),
            waitFor: (cost) => {
              const now = o.clock.monotonic();
              let wait = o.pool.waitFor(cost);
              for (const pace of o.paces) wait = Math.max(wait, pace.waitFor(now));
              return wait;
            },
            admit: (cost, tried) => {
              const now = o.clock.monotonic();
              for (const pace of o.paces) pace.take(now);
              return o.pool.admit(cost, tried);
            },
          };
    this.#queue = new UpstreamQueue({
      name: o.name,
      capacity,
      maxSize: o.maxQueue,
      timeoutMs: o.queueTimeoutMs,
      clock: o.clock,
    });
    this.#unwatch = o.pool.onChange(() => this.#queue.wake());
  }

  /** Stops listening to the pool (the scheduler was evicted; nobody waits in it). */
  dispose(): void {
    this.#unwatch();
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  /** Milliseconds until `cost` could be admitted, ignoring who waits (0: now; Infinity: never). */
  waitFor(cost: Cost): number {
    return this.#queue.waitFor(cost);
  }

  /** A lease now, or a promise of one once a key has room; refusals are GatewayErrors. */
  acquire(
    cost: Cost,
    priority: Priority,
    onCancel: (cancel: () => void) => void,
    timeoutMs?: number,
    first = false,
    tried?: TriedKeys,
  ): Lease | Promise<Lease> {
    const admitted = this.#queue.acquire(cost, priority, onCancel, timeoutMs, first, tried);
    if (admitted instanceof Promise)
      return admitted.then((a) => this.#confirm(a, cost, priority, onCancel, timeoutMs, tried));
    return this.#confirm(admitted, cost, priority, onCancel, timeoutMs, tried);
  }

  /**
   * A key shared with other processes is confirmed with the shared store before the request goes.
   * When it has no room after all (others used it), the grant is given back and the request goes
   * back to the head of the line: it waited its turn; the key waits for the store's reset.
   */
  #confirm(
    a: Admitted<KeyGrant>,
    cost: Cost,
    priority: Priority,
    onCancel: (cancel: () => void) => void,
    timeoutMs: number | undefined,
    tried: TriedKeys | undefined,
    earlierMs = 0,
  ): Lease | Promise<Lease> {
    const confirming = a.grant.key.budget.confirm(a.grant.reservation);
    if (confirming === undefined) return this.#lease(a.grant, earlierMs + a.waitedMs, a.queueLength);
    const askedAt = this.#clock.monotonic();
    return confirming.then((wait) => {
      const waited = earlierMs + a.waitedMs + (this.#clock.monotonic() - askedAt);
      if (wait === 0) return this.#lease(a.grant, waited, a.queueLength);
      this.pool.withdraw(a.grant);
      const left = Math.max(1, (timeoutMs ?? this.#timeoutMs) - waited);
      const again = this.#queue.acquire(cost, priority, onCancel, left, true, tried);
      if (again instanceof Promise)
        return again.then((b) => this.#confirm(b, cost, priority, onCancel, left, tried, waited));
      return this.#confirm(again, cost, priority, onCancel, left, tried, waited);
    });
  }

  #lease(grant: KeyGrant, waitedMs: number, queueLength: number): Lease {
    return new KeyLease(this.pool, grant, waitedMs, queueLength);
  }
}

/** A class, not a literal of closures: one is made per request, on the hot path. */
class KeyLease implements Lease {
  readonly key: PooledKey;
  readonly reservation: Reservation;
  readonly waitedMs: number;
  readonly queueLength: number;
  readonly #pool: KeyPool;
  readonly #grant: KeyGrant;
  #settled = false;
  #judged = false;

  constructor(pool: KeyPool, grant: KeyGrant, waitedMs: number, queueLength: number) {
    this.key = grant.key;
    this.reservation = grant.reservation;
    this.waitedMs = waitedMs;
    this.queueLength = queueLength;
    this.#pool = pool;
    this.#grant = grant;
  }

  learn(reading: RateLimitReading): void {
    this.key.budget.observe(this.reservation, reading);
    this.#pool.changed();
  }

  pause(ms: number): void {
    this.key.budget.pauseFor(ms);
  }

  succeeded(): void {
    this.#judged = true;
    this.key.health.breaker.success(this.#grant.keyTicket);
    this.#pool.upstreamBreaker.success(this.#grant.upstreamTicket);
  }

  failed(minOpenMs?: number, judged?: Set<CircuitBreaker>): void {
    this.#judged = true;
    this.key.health.errors++;
    failOnce(this.key.health.breaker, this.#grant.keyTicket, minOpenMs, judged);
    failOnce(this.#pool.upstreamBreaker, this.#grant.upstreamTicket, minOpenMs, judged);
  }

  rateLimited(): void {
    this.key.health.rateLimited++;
  }

  removeKey(reason: string): void {
    this.#failedWithoutBreaker();
    this.key.health.removed = reason;
  }

  settle(actual: Cost | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    // Without a verdict (client gone, 429) a half-open probe is simply free again.
    if (!this.#judged) this.#release();
    this.#pool.settle(this.#grant, actual);
  }

  #failedWithoutBreaker(): void {
    this.#judged = true;
    this.key.health.errors++;
    this.#release();
  }

  #release(): void {
    this.key.health.breaker.release(this.#grant.keyTicket);
    this.#pool.upstreamBreaker.release(this.#grant.upstreamTicket);
  }
}

/** A breaker hears a request's failure the first time only; after that its ticket is just given back. */
function failOnce(
  breaker: CircuitBreaker,
  ticket: BreakerTicket,
  minOpenMs: number | undefined,
  judged: Set<CircuitBreaker> | undefined,
): void {
  if (judged?.has(breaker)) {
    breaker.release(ticket);
    return;
  }
  judged?.add(breaker);
  breaker.failure(minOpenMs, ticket);
}
