// Stops sending to what keeps failing (a key, or a whole upstream), and tries it again later.
//
//   closed --(a run of failures, or a high failure ratio)--> open for a cool-down
//   open   --(cool-down over)--> half_open: one probe goes through
//   half_open --(probe succeeds)--> closed     --(probe fails)--> open, for twice as long
//
// A Retry-After the upstream sent is the shortest the breaker stays open. Time comes from the clock.
import type { Clock } from '../time/clock.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  /** Consecutive failures that open it. */
  failures: number;
  /** Share of failures among the last outcomes that opens it (with at least `minRequests` of them). */
  failureRatio: number;
  minRequests: number;
  /** First open period; each reopening without a success in between doubles it, up to `maxCooldownMs`. */
  cooldownMs: number;
  maxCooldownMs: number;
}

export interface BreakerStats {
  state: BreakerState;
  /** Milliseconds until a probe may go (open only). */
  closes_in_ms?: number;
  /** Times it opened since it last closed. */
  opens: number;
}

/** Outcomes remembered for the failure ratio. */
const WINDOW = 20;

export class CircuitBreaker {
  readonly #s: BreakerSettings;
  readonly #clock: Clock;
  #state: BreakerState = 'closed';
  #openUntil = 0;
  #cooldownMs: number;
  #opens = 0;
  #consecutive = 0;
  #probeOut = false;
  readonly #outcomes = new Uint8Array(WINDOW);
  #count = 0;
  #failed = 0;
  #pos = 0;

  constructor(settings: BreakerSettings, clock: Clock) {
    this.#s = settings;
    this.#clock = clock;
    this.#cooldownMs = settings.cooldownMs;
  }

  get state(): BreakerState {
    this.#maybeHalfOpen();
    return this.#state;
  }

  /**
   * Milliseconds until a request may go through (0: now). While a half-open probe is out the wait
   * has no known end; the probe's outcome wakes whoever waits, and the cool-down is the fallback.
   */
  waitMs(): number {
    if (this.#state === 'closed') return 0;
    this.#maybeHalfOpen();
    if (this.#state === 'open') return this.#openUntil - this.#clock.monotonic();
    return this.#probeOut ? this.#cooldownMs : 0;
  }

  /** A request goes through now (after waitMs() gave 0); true when it is the half-open probe. */
  onSend(): boolean {
    if (this.#state === 'closed') return false;
    this.#maybeHalfOpen();
    if (this.#state !== 'half_open' || this.#probeOut) return false;
    this.#probeOut = true;
    return true;
  }

  /**
   * `probe`: this was the half-open probe. Only the probe closes a breaker that is not closed: an
   * answer to a request sent before it opened says nothing about now.
   */
  success(probe = false): void {
    if (this.#state !== 'closed') {
      this.#maybeHalfOpen();
      if (this.#state !== 'half_open' || !probe) return;
      this.#state = 'closed';
      this.#opens = 0;
      this.#probeOut = false;
      this.#clearWindow();
    }
    this.#consecutive = 0;
    this.#record(0);
  }

  /** `minOpenMs`: the upstream's Retry-After, the least time to stay open if this opens it. */
  failure(minOpenMs = 0): void {
    this.#consecutive++;
    this.#record(1);
    if (this.#state !== 'closed') {
      this.#maybeHalfOpen();
      // A failed probe (or a late failure from before it opened) keeps it open, longer.
      if (this.#state === 'half_open') this.#open(minOpenMs);
      else this.#openUntil = Math.max(this.#openUntil, this.#clock.monotonic() + minOpenMs);
      return;
    }
    const ratioTripped =
      this.#count >= this.#s.minRequests && this.#failed / this.#count >= this.#s.failureRatio;
    if (this.#consecutive >= this.#s.failures || ratioTripped) this.#open(minOpenMs);
  }

  /** A request that went through ended without a verdict (client gone, rate-limited): free the probe. */
  release(): void {
    this.#probeOut = false;
  }

  stats(): BreakerStats {
    const state = this.state;
    const out: BreakerStats = { state, opens: this.#opens };
    if (state === 'open')
      out.closes_in_ms = Math.max(0, Math.round(this.#openUntil - this.#clock.monotonic()));
    return out;
  }

  #open(minOpenMs: number): void {
    this.#opens++;
    this.#cooldownMs = Math.min(this.#s.maxCooldownMs, this.#s.cooldownMs * 2 ** (this.#opens - 1));
    this.#state = 'open';
    this.#openUntil = this.#clock.monotonic() + Math.max(this.#cooldownMs, minOpenMs);
    this.#probeOut = false;
    this.#consecutive = 0;
    this.#clearWindow();
  }

  #maybeHalfOpen(): void {
    if (this.#state === 'open' && this.#clock.monotonic() >= this.#openUntil) {
      this.#state = 'half_open';
      this.#probeOut = false;
    }
  }

  #record(failed: 0 | 1): void {
    if (this.#count === WINDOW) this.#failed -= this.#outcomes[this.#pos]!;
    else this.#count++;
    this.#outcomes[this.#pos] = failed;
    this.#failed += failed;
    this.#pos = (this.#pos + 1) % WINDOW;
  }

  #clearWindow(): void {
    this.#count = 0;
    this.#failed = 0;
    this.#pos = 0;
  }
}
