// A bound on a client's silence while it sends its body: a stalled upload must not hold a
// connection (and, streamed through, an upstream's) for ever. One sweep for every body being
// received, a few times per bound (as Node checks its own server timeouts), so a request pays a set
// entry, not a timer of its own.
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
  readonly #watched = new Set<Watched>();
  #armed = false;

  constructor(ms: number, clock: Clock) {
    this.ms = ms;
    this.clock = clock;
  }

  watch(onIdle: (err: GatewayError) => void): IdleGuard {
    const entry = new Watched(this, this.clock.monotonic(), onIdle);
    this.#watched.add(entry);
    if (!this.#armed) {
      this.#armed = true;
      // Checked four times per bound: a body is cut between `ms` and 1.25 `ms` of silence.
      this.clock.setTimer(this.ms / 4, () => this.#sweep());
    }
    return entry;
  }

  forget(entry: Watched): void {
    this.#watched.delete(entry);
  }

  #sweep(): void {
    this.#armed = false;
    const now = this.clock.monotonic();
    for (const entry of this.#watched) {
      if (now - entry.last < this.ms) continue;
      this.#watched.delete(entry);
      entry.onIdle(
        new GatewayError('request_timeout', `The request body stopped arriving for ${this.ms} ms.`),
      );
    }
    if (this.#watched.size > 0) {
      this.#armed = true;
      this.clock.setTimer(this.ms / 4, () => this.#sweep());
    }
  }
}
