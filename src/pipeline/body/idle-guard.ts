// A bound on a client's silence while it sends its body: a stalled upload must not hold a
// connection (and, streamed through, an upstream's) for ever. One sweep for every body being
// received, a few times per bound (as Node checks its own server timeouts), so a request pays a
// place in a linked list, not a timer of its own. A list, not a Set: a long-lived Set whose entries
// come and go every request makes a new hash table in the old generation each time it resizes.
import { GatewayError } from '../../errors/gateway-error.ts';
import type { Clock } from '../../time/clock.ts';

export interface IdleGuard {
  /** A chunk came. */
  touch(): void;
  /** The body is over (or given up): no more watching. */
  stop(): void;
}

class Watched implements IdleGuard {
  last: number;
  prev: Watched | undefined;
  next: Watched | undefined;
  /** In the sweeper's list (not yet stopped, failed or swept). */
  listed = true;
  readonly #sweeper: BodySilence;
  readonly onIdle: (err: GatewayError) => void;

  constructor(sweeper: BodySilence, now: number, onIdle: (err: GatewayError) => void) {
    this.#sweeper = sweeper;
    this.last = now;
    this.onIdle = onIdle;
  }

  touch(): void {
    this.last = this.#sweeper.clock.monotonic();
  }

  stop(): void {
    this.#sweeper.forget(this);
  }
}

/** Watches the bodies being received; one whose client is silent for `ms` is failed with 408. */
export class BodySilence {
  readonly ms: number;
  readonly clock: Clock;
  #first: Watched | undefined;
  #last: Watched | undefined;
  #armed = false;

  constructor(ms: number, clock: Clock) {
    this.ms = ms;
    this.clock = clock;
  }

  watch(onIdle: (err: GatewayError) => void): IdleGuard {
    const entry = new Watched(this, this.clock.monotonic(), onIdle);
    entry.prev = this.#last;
    if (this.#last) this.#last.next = entry;
    else this.#first = entry;
    this.#last = entry;
    if (!this.#armed) {
      this.#armed = true;
      // Checked four times per bound: a body is cut between `ms` and 1.25 `ms` of silence.
      this.clock.setTimer(this.ms / 4, () => this.#sweep());
    }
    return entry;
  }

  forget(entry: Watched): void {
    if (!entry.listed) return;
    entry.listed = false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#first = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#last = entry.prev;
    entry.prev = entry.next = undefined;
  }

  #sweep(): void {
    this.#armed = false;
    const now = this.clock.monotonic();
    // Gathered first: failing one may stop others (their lists change under the walk).
    const idle: Watched[] = [];
    for (let entry = this.#first; entry; entry = entry.next)
      if (now - entry.last >= this.ms) idle.push(entry);
    for (const entry of idle) {
      if (!entry.listed) continue;
      this.forget(entry);
      entry.onIdle(
        new GatewayError('request_timeout', `The request body stopped arriving for ${this.ms} ms.`),
      );
    }
    if (this.#first) {
      this.#armed = true;
      this.clock.setTimer(this.ms / 4, () => this.#sweep());
    }
  }
}
