// The wait queue of one upstream: requests wait here until a key can take them.
//
//   high   [w w]      the head of the highest non-empty priority is served first,
//   normal [w w w w]  FIFO within a priority; nothing overtakes it
//   low    [w]
//
// Event-driven: it retries on wake() (a request settled, an answer taught new limits) and on one
// timer set to the moment the head could fit; never a polling loop. Bounded in size and in time.
import { ClientGone } from '../errors/client-gone.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Clock } from '../time/clock.ts';
import type { Cost } from './cost.ts';

export type Priority = 'high' | 'normal' | 'low';
const PRIORITIES: readonly Priority[] = ['high', 'normal', 'low'];

/** Where requests go once admitted: the upstream's keys (or its pace, for REST). */
export interface Capacity<G, H = undefined> {
  /** Milliseconds until `cost` could be sent (0: now; Infinity: never). No side effects. */
  waitFor(cost: Cost): number;
  /** Reserves `cost` on a key that has room now (called only after waitFor gave 0); `hint` guides the pick. */
  admit(cost: Cost, hint?: H): G;
  /**
   * When the wait comes from failures rather than limits (open breakers, refused keys), the error
   * to answer with: at once when it outlasts the request's deadline, or when the deadline passes.
   */
  explain?(cost: Cost, withinMs?: number): GatewayError | undefined;
}

export interface Admitted<G> {
  grant: G;
  waitedMs: number;
  /** Requests still waiting behind this one when it was admitted. */
  queueLength: number;
}

export interface QueueOptions<G, H> {
  name: string;
  capacity: Capacity<G, H>;
  maxSize: number;
  timeoutMs: number;
  clock: Clock;
}

interface Waiter<G, H> {
  cost: Cost;
  hint: H | undefined;
  enqueuedAt: number;
  resolve(admitted: Admitted<G>): void;
  reject(err: unknown): void;
  cancelTimer(): void;
  done: boolean;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export class UpstreamQueue<G, H = undefined> {
  readonly #o: QueueOptions<G, H>;
  readonly #lanes: Record<Priority, { items: Waiter<G, H>[]; head: number }> = {
    high: { items: [], head: 0 },
    normal: { items: [], head: 0 },
    low: { items: [], head: 0 },
  };
  #length = 0;
  #timerAt = Number.POSITIVE_INFINITY;
  #cancelTimer: (() => void) | undefined;
  #pumping = false;

  constructor(options: QueueOptions<G, H>) {
    this.#o = options;
  }

  get length(): number {
    return this.#length;
  }

  /**
   * Admits at once when nobody waits and a key has room; otherwise waits in line. `onCancel`
   * receives the function that withdraws the request (the client went away).
   */
  acquire(
    cost: Cost,
    priority: Priority,
    onCancel: (cancel: () => void) => void,
    timeoutMs = this.#o.timeoutMs,
    /** A request the upstream refused comes back first in its lane: it already waited its turn. */
    first = false,
    hint?: H,
  ): Admitted<G> | Promise<Admitted<G>> {
    if (this.#length === 0) {
      const wait = this.#o.capacity.waitFor(cost);
      if (wait === 0) return { grant: this.#o.capacity.admit(cost, hint), waitedMs: 0, queueLength: 0 };
      if (wait === Number.POSITIVE_INFINITY) throw this.#cannotWait(cost);
      // A breaker that opens past the deadline: say so now rather than at the deadline.
      if (wait > timeoutMs) {
        const failing = this.#o.capacity.explain?.(cost, timeoutMs);
        if (failing) throw failing;
      }
    }
    if (this.#length >= this.#o.maxSize) {
      throw new GatewayError(
        'queue_full',
        `The queue for upstream "${this.#o.name}" is full (${this.#o.maxSize} waiting).`,
        {
          retryAfterSeconds: this.#retryAfter(cost),
        },
      );
    }
    return new Promise<Admitted<G>>((resolve, reject) => {
      const enqueuedAt = this.#o.clock.monotonic();
      const waiter: Waiter<G, H> = {
        cost,
        hint,
        enqueuedAt,
        resolve,
        reject,
        cancelTimer: () => {},
        done: false,
      };
      waiter.cancelTimer = this.#o.clock.setTimer(timeoutMs, () => this.#expire(waiter));
      const lane = this.#lanes[priority];
      if (!first) lane.items.push(waiter);
      else if (lane.head > 0) lane.items[--lane.head] = waiter;
      else lane.items.unshift(waiter);
      this.#length++;
      onCancel(() => this.#withdraw(waiter));
      this.#pump();
    });
  }

  /** Milliseconds until `cost` could go if it were first in line (for the caller's decisions). */
  waitFor(cost: Cost): number {
    return this.#o.capacity.waitFor(cost);
  }

  /** Something changed (a request settled, limits were learned): try the head again. */
  wake(): void {
    if (this.#length > 0) this.#pump();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const head = this.#head();
        if (!head) {
          this.#clearTimer();
          return;
        }
        const wait = this.#o.capacity.waitFor(head.waiter.cost);
        if (wait === 0) {
          const grant = this.#o.capacity.admit(head.waiter.cost, head.waiter.hint);
          this.#remove(head.lane);
          head.waiter.resolve({
            grant,
            waitedMs: this.#o.clock.monotonic() - head.waiter.enqueuedAt,
            queueLength: this.#length,
          });
          continue;
        }
        if (wait === Number.POSITIVE_INFINITY) {
          this.#remove(head.lane);
          head.waiter.reject(this.#cannotWait(head.waiter.cost));
          continue;
        }
        this.#armTimer(wait);
        return;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #head(): { waiter: Waiter<G, H>; lane: Priority } | undefined {
    for (const lane of PRIORITIES) {
      const q = this.#lanes[lane];
      while (q.head < q.items.length && q.items[q.head]!.done) q.head++;
      if (q.head < q.items.length) return { waiter: q.items[q.head]!, lane };
      if (q.items.length > 0) {
        q.items = [];
        q.head = 0;
      }
    }
    return undefined;
  }

  #remove(lane: Priority): void {
    const q = this.#lanes[lane];
    const waiter = q.items[q.head]!;
    waiter.done = true;
    waiter.cancelTimer();
    q.head++;
    this.#length--;
    // Compact now and then so withdrawn and served entries do not pile up.
    if (q.head > 1024 && q.head * 2 > q.items.length) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
  }

  #withdraw(waiter: Waiter<G, H>): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.cancelTimer();
    this.#length--;
    waiter.reject(new ClientGone());
    // Its slot in the lane is passed over later; it keeps nothing of the request meanwhile.
    waiter.hint = undefined;
    // The withdrawn one may have been the head everyone waited behind.
    this.#pump();
  }

  #expire(waiter: Waiter<G, H>): void {
    if (waiter.done) return;
    waiter.done = true;
    this.#length--;
    waiter.reject(
      this.#o.capacity.explain?.(waiter.cost) ??
        new GatewayError(
          'queue_timeout',
          `Waited ${this.#o.timeoutMs} ms for upstream "${this.#o.name}" to have room, which is its queue timeout.`,
          { retryAfterSeconds: this.#retryAfter(waiter.cost) },
        ),
    );
    this.#pump();
  }

  #armTimer(waitMs: number): void {
    const at = this.#o.clock.monotonic() + waitMs;
    if (this.#cancelTimer && at >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#cancelTimer = this.#o.clock.setTimer(waitMs, () => {
      this.#cancelTimer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    });
  }

  #clearTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /** Seconds until the capacity could take `cost`, from the limiter's state (for Retry-After). */
  #retryAfter(cost: Cost): number {
    const wait = this.#o.capacity.waitFor(cost);
    return seconds(Number.isFinite(wait) ? wait : 1000);
  }

  #cannotWait(cost: Cost): GatewayError {
    return this.#o.capacity.explain?.(cost) ?? this.#neverFits();
  }

  #neverFits(): GatewayError {
    return new GatewayError(
      'request_too_large',
      `This request needs more than upstream "${this.#o.name}" allows in a whole window; it can never be sent as it is.`,
    );
  }
}
