// One window as the upstream reports it in its headers, kept current between answers.
//
//   sent:     #1 #2 #3 #4 #5 #6      answers arrive in any order (many connections), each
//   answered:    #2       #5          saying `remaining` as of when the upstream admitted it
//
//   remaining  = the lowest `remaining` heard in this window (the upstream's latest state)
//   available  = remaining - what was sent and has not been answered yet (#1 #3 #4 #6)
//
// An answer counts its own request out: whatever it reports already includes it. Once the reported
// reset has passed (plus a buffer for clock skew) the window is full again.

export interface LiveReport {
  limit?: number | undefined;
  remaining?: number | undefined;
  /** Monotonic ms at which the window is full again. */
  resetAt?: number | undefined;
}

import { SentRing } from './sent-ring.ts';

/** Unanswered sends tracked one by one, at most (answers normally keep this small). */
const MAX_TRACKED = 10_000;
/** The sequence numbers the ring's arrays cover; older unanswered sends are kept aside. */
const RING_SPAN = 16_384;

export class LiveWindow {
  readonly windowMs: number;
  limit: number | undefined;
  #remaining: number | undefined;
  #resetAt: number | undefined;
  #observedAt = Number.NEGATIVE_INFINITY;
  readonly #unanswered = new SentRing(RING_SPAN, MAX_TRACKED);
  /** Sum of the unanswered amounts (kept, not recounted: it is read on every admission). */
  #pending = 0;
  /** What this process sent since the window was last full: its own part, for a share of the limit. */
  #sentInWindow = 0;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** Trusted while answers keep coming; after two windows of silence the config takes over again. */
  isFresh(now: number): boolean {
    return now - this.#observedAt <= 2 * this.windowMs;
  }

  record(seq: number, amount: number, at: number): void {
    if (amount === 0) return;
    // Only when answers stopped carrying this window: past MAX_TRACKED the oldest is forgotten
    // (its amount stays counted until the window resets).
    this.#unanswered.add(seq, amount, at);
    this.#pending += amount;
    this.#sentInWindow += amount;
  }

  /** A request sent before this window was known (the cold key's first) counts in it all the same. */
  countSent(amount: number): void {
    this.#sentInWindow += amount;
  }

  /** A settled request's real amount replaces its reservation while the upstream has not reported it. */
  correct(seq: number, actual: number): void {
    const reserved = this.#unanswered.amountOf(seq);
    if (reserved === undefined) return;
    const amount = Math.max(0, actual);
    this.#pending += amount - reserved;
    this.#sentInWindow = Math.max(0, this.#sentInWindow + amount - reserved);
    this.#unanswered.setAmount(seq, amount);
  }

  observe(seq: number, report: LiveReport, now: number, resetBufferMs: number): void {
    const reserved = this.#unanswered.remove(seq);
    if (reserved !== undefined) this.#pending -= reserved;
    if (report.limit !== undefined) this.limit = report.limit;
    // An answer about a window that already ended (a slow answer) says nothing about this one.
    if (report.resetAt !== undefined && report.resetAt <= now) return;
    this.#observedAt = now;
    this.#refillIfReset(now, resetBufferMs);
    if (report.remaining === undefined) return;
    if (this.#remaining === undefined || report.resetAt === undefined || this.#resetAt === undefined) {
      this.#remaining = report.remaining;
      this.#resetAt = report.resetAt;
      return;
    }
    // Same window, answers out of order: the lowest remaining is the latest state.
    this.#remaining = Math.min(this.#remaining, report.remaining);
    this.#resetAt = Math.max(this.#resetAt, report.resetAt);
  }

  /** What can still be sent in this window now; undefined when the upstream never said. */
  available(now: number, resetBufferMs: number): number | undefined {
    this.#refillIfReset(now, resetBufferMs);
    if (this.#remaining === undefined) return undefined;
    return this.#remaining - this.#pending;
  }

  /**
   * Milliseconds until `amount` fits (0: now; Infinity: never, it is larger than the whole limit).
   * With `share` below 1 only that part of what remains is this process's (the rest is others').
   */
  waitFor(amount: number, now: number, resetBufferMs: number, share = 1): number {
    if (this.limit !== undefined && amount > this.limit) return Number.POSITIVE_INFINITY;
    let available = this.available(now, resetBufferMs);
    if (available !== undefined && share < 1) available = this.#ownPart(available, amount, share);
    if (available === undefined || available >= amount) return 0;
    // Without a reported reset, a window's worth of time is the longest the upstream could mean.
    const until = (this.#resetAt ?? this.#observedAt + this.windowMs) + resetBufferMs;
    return Math.max(1, until - now);
  }

  /**
   * Alone (the shared count away), this process may use its share of what remains and of the
   * window's limit, whichever is less: the first bounds what it sends on a stale view, the second
   * what all processes together send in a window. A request larger than a whole share goes only
   * when this process sent nothing in the window.
   */
  #ownPart(available: number, amount: number, share: number): number {
    const limit = this.limit ?? this.#remaining!;
    if (amount > limit * share) return this.#sentInWindow === 0 ? available : 0;
    return Math.min(available, this.#remaining! * share - this.#pending, limit * share - this.#sentInWindow);
  }

  resetIn(now: number): number | undefined {
    return this.#resetAt === undefined ? undefined : Math.max(0, this.#resetAt - now);
  }

  #refillIfReset(now: number, resetBufferMs: number): void {
    if (this.#resetAt === undefined || now < this.#resetAt + resetBufferMs) return;
    // Full again; what was sent before the reset (less the skew buffer) counted in the old window.
    const boundary = this.#resetAt - resetBufferMs;
    this.#pending = this.#unanswered.dropBefore(boundary);
    this.#sentInWindow = this.#pending;
    this.#remaining = this.limit;
    this.#resetAt = undefined;
  }
}
