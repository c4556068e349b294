// A leaky bucket (as GCRA) for REST hosts: `rate` requests spaced evenly, up to `burst` at once.
//
//   emission interval T = perMs / count; tolerance = (burst - 1) * T
//   a request at `now` fits when TAT - now <= tolerance; then TAT = max(TAT, now) + T
//
// One number of state (TAT, the theoretical arrival time), exact at any rate.
import type { Rate } from '../config/units.ts';

export class Pace {
  readonly #interval: number;
  readonly #tolerance: number;
  #tat = Number.NEGATIVE_INFINITY;

  constructor(rate: Rate, burst = 1) {
    this.#interval = rate.perMs / rate.count;
    this.#tolerance = (Math.max(1, burst) - 1) * this.#interval;
  }

  /** Milliseconds until the next request may go (0: now). */
  waitFor(now: number): number {
    return Math.max(0, this.#tat - this.#tolerance - now);
  }

  take(now: number): void {
    this.#tat = Math.max(this.#tat, now) + this.#interval;
  }
}
