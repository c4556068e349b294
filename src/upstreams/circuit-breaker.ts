// Stops sending to what keeps failing (a key, or a whole upstream), and tries it again later.
//
//   closed --(a run of failures, or a high failure ratio)--> open for a cool-down
//   open   --(cool-down over)--> half_open: one probe goes through
//   half_open --(probe succeeds)--> closed     --(probe fails)--> open, for twice as long
//
// A Retry-After the upstream sent is the shortest the breaker stays open. While a fallback serves
// in its place, an open breaker probes at least every `probeIntervalMs`, whatever its doubled
// cool-down: a recovered upstream gets its traffic back within seconds. Time comes from the clock.
//
// Shared with other processes (`share`), an opening or closing here is announced to them, and one
// heard from them is taken as if it happened here (without announcing it again).
import type { Clock } from '../time/clock.ts';
import type { BreakerPeers } from './shared-breakers.ts';

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
  /** While traffic goes to a fallback instead: the longest it stays open before the next probe. */
  probeIntervalMs: number;
}

export interface BreakerStats {
  state: BreakerState;
  /** Milliseconds until a probe may go (open only). */
  closes_in_ms?: number;
  /** Times it opened since it last closed. */
  opens: number;
}

/**
 * What a request sent through the breaker carries back with its outcome: the breaker's generation
 * when it was sent (each opening starts a new one) and whether it was the half-open probe. An
 * outcome from an older generation says nothing about now and is ignored.
 */
export type BreakerTicket = number;

export function isProbe(ticket: BreakerTicket): boolean {
  return (ticket & 1) === 1;
}

/** Outcomes remembered for the failure ratio. */
const WINDOW = 20;

export class CircuitBreaker {
  readonly #s: BreakerSettings;
  readonly #clock: Clock;
  #state: BreakerState = 'closed';
  #openUntil = 0;
  #openedAt = 0;
  /** The upstream's Retry-After: it stays open at least until then. */
  #notBefore = 0;
  #generation = 0;
  #onClose: (() => void) | undefined;
  #cooldownMs: number;
  #opens = 0;
  #consecutive = 0;
  #probeOut = false;
  readonly #outcomes = new Uint8Array(WINDOW);
  #count = 0;
  #failed = 0;
  #pos = 0;
  #peers: BreakerPeers | undefined;

  constructor(settings: BreakerSettings, clock: Clock) {
    this.#s = settings;
    this.#clock = clock;
    this.#cooldownMs = settings.cooldownMs;
  }

  /** From now on, openings and closings are shared with the other processes on `peers`. */
  share(peers: BreakerPeers): void {
    this.#peers = peers;
    peers.breakers.follow(peers.id, this.#heard);
  }

  /** Nothing is shared any more (a reload replaced its upstream); a newer breaker of the same id stays. */
  unshare(): void {
    if (this.#peers) this.#peers.breakers.unfollow(this.#peers.id, this.#heard);
    this.#peers = undefined;
  }

  readonly #heard = (until: number): void => (until > 0 ? this.#heardOpen(until) : this.#heardClosed());

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

  /**
   * Milliseconds it stays open for sure (0 when closed or half-open: it may let requests through
   * soon). `probeBlocks`: a half-open breaker whose probe is out counts as open for a cool-down, for
   * a caller with somewhere else to go (the probe may well fail).
   */
  openFor(probeBlocks = false): number {
    if (this.#state !== 'open') {
      if (!probeBlocks || this.state !== 'half_open' || !this.#probeOut) return 0;
      return this.#cooldownMs;
    }
    return Math.max(0, this.#openUntil - this.#clock.monotonic());
  }

  /**
   * A request went to a fallback because this is open: it probes within `probeIntervalMs` of
   * opening (never before the upstream's Retry-After), however long its cool-down has grown.
   */
  probeSooner(): void {
    if (this.#state !== 'open') return;
    const soon = Math.max(this.#notBefore, this.#openedAt + this.#s.probeIntervalMs);
    if (soon < this.#openUntil) this.#openUntil = soon;
  }

  /** Called when a probe closes it (whoever waits on it elsewhere can go). */
  onClose(fn: () => void): void {
    this.#onClose = fn;
  }

  /** A request goes through now (after waitMs() gave 0); its ticket comes back with the outcome. */
  onSend(): BreakerTicket {
    const ticket = this.#generation * 2;
    if (this.#state === 'closed') return ticket;
    this.#maybeHalfOpen();
    if (this.#state !== 'half_open' || this.#probeOut) return ticket;
    this.#probeOut = true;
    return ticket + 1;
  }

  /** Only the probe closes a breaker that is not closed. */
  success(ticket: BreakerTicket = this.#generation * 2): void {
    if (!this.#current(ticket)) return;
    if (this.#state !== 'closed') {
      this.#maybeHalfOpen();
      if (this.#state !== 'half_open' || !isProbe(ticket)) return;
      this.#close();
      this.#peers?.breakers.announce(this.#peers.id, 0);
    }
    this.#consecutive = 0;
    this.#record(0);
  }

  /** `minOpenMs`: the upstream's Retry-After, the least time to stay open if this opens it. */
  failure(minOpenMs = 0, ticket: BreakerTicket = this.#generation * 2): void {
    if (!this.#current(ticket)) return;
    if (this.#state !== 'closed') {
      this.#maybeHalfOpen();
      // A failed probe keeps it open, longer.
      if (this.#state === 'half_open' && isProbe(ticket)) this.#open(minOpenMs);
      return;
    }
    this.#consecutive++;
    this.#record(1);
    const ratioTripped =
      this.#count >= this.#s.minRequests && this.#failed / this.#count >= this.#s.failureRatio;
    if (this.#consecutive >= this.#s.failures || ratioTripped) this.#open(minOpenMs);
  }

  /** A request ended without a verdict (client gone, rate-limited): if it was the probe, free it. */
  release(ticket: BreakerTicket): void {
    if (isProbe(ticket) && this.#current(ticket)) this.#probeOut = false;
  }

  #current(ticket: BreakerTicket): boolean {
    return ticket >> 1 === this.#generation;
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
    const now = this.#clock.monotonic();
    this.#enterOpen(now, now + Math.max(this.#cooldownMs, minOpenMs), now + minOpenMs);
    this.#peers?.breakers.announce(this.#peers.id, this.#clock.now() + (this.#openUntil - now));
  }

  /** Open from `now` until `until`; outcomes of requests sent before say nothing about it now. */
  #enterOpen(now: number, until: number, notBefore: number): void {
    this.#generation++;
    this.#state = 'open';
    this.#openedAt = now;
    this.#notBefore = notBefore;
    this.#openUntil = until;
    this.#probeOut = false;
    this.#consecutive = 0;
    this.#clearWindow();
  }

  #close(): void {
    this.#state = 'closed';
    this.#opens = 0;
    this.#probeOut = false;
    this.#clearWindow();
    this.#onClose?.();
  }

  /** Another process opened it until that wall-clock instant: open here too, no longer than that. */
  #heardOpen(untilWallMs: number): void {
    const now = this.#clock.monotonic();
    const until = now + (untilWallMs - this.#clock.now());
    if (until <= now || (this.#state === 'open' && this.#openUntil >= until)) return;
    this.#enterOpen(now, until, now);
  }

  /** Another process's probe closed it. */
  #heardClosed(): void {
    if (this.#state === 'closed') return;
    this.#generation++;
    this.#close();
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
