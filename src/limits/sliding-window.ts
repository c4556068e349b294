// A configured limit (`rpm: 30`, `tpd: 1000000`) as a sliding window of fixed slots.
//
//   window W = N slots of W/N; an amount stays counted until its slot's end + W
//   |k-N|k-N+1| ... |k-1| k |      <- N+1 slots overlap the last W (k: the slot of now)
//    ^ partly inside: counted whole (never under-counts; over-counts by < W/N)
//
// Why this shape: whatever the upstream really runs (a fixed window, a sliding log, a token
// bucket refilling `limit` per window), never exceeding `limit` in any span of W keeps it happy,
// and N slots bound the memory whatever the traffic.

export class SlidingWindow {
  readonly limit: number;
  readonly windowMs: number;
  readonly #slotMs: number;
  readonly #slots: number;
  readonly #amount: number[];
  readonly #slotOf: number[];

  constructor(limit: number, windowMs: number, slots = 60) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.#slotMs = windowMs / slots;
    this.#slots = slots + 1;
    this.#amount = new Array<number>(this.#slots).fill(0);
    this.#slotOf = new Array<number>(this.#slots).fill(Number.NEGATIVE_INFINITY);
  }

  #slot(now: number): number {
    return Math.floor(now / this.#slotMs);
  }

  /** What is counted against the limit now. */
  used(now: number): number {
    const oldest = this.#slot(now) - this.#slots + 1;
    let sum = 0;
    for (let i = 0; i < this.#slots; i++) if (this.#slotOf[i]! >= oldest) sum += this.#amount[i]!;
    return sum;
  }

  /**
   * Milliseconds until `amount` fits (0: now; Infinity: never, it is larger than the limit). With
   * `share` below 1 the limit is that part of it (never less than `amount`, which could never fit).
   */
  waitFor(amount: number, now: number, share = 1): number {
    if (amount > this.limit) return Number.POSITIVE_INFINITY;
    const limit = share < 1 ? Math.max(this.limit * share, amount) : this.limit;
    const current = this.#slot(now);
    const oldest = current - this.#slots + 1;
    let over = this.used(now) + amount - limit;
    if (over <= 0) return 0;
    // Slots leave the window oldest first; find the one whose leaving frees enough.
    for (let k = oldest; k <= current; k++) {
      const i = ((k % this.#slots) + this.#slots) % this.#slots;
      if (this.#slotOf[i] !== k) continue;
      over -= this.#amount[i]!;
      if (over <= 0) return (k + this.#slots) * this.#slotMs - now;
    }
    return this.windowMs;
  }

  /** Counts `amount` at time `at` (a reservation now, or a correction of an earlier one). */
  add(amount: number, at: number): void {
    const k = this.#slot(at);
    const i = ((k % this.#slots) + this.#slots) % this.#slots;
    if (this.#slotOf[i] !== k) {
      // A correction for a slot that already left the window changes nothing.
      if (this.#slotOf[i]! > k) return;
      this.#slotOf[i] = k;
      this.#amount[i] = 0;
    }
    this.#amount[i] = Math.max(0, this.#amount[i]! + amount);
  }
}
