// Whether this process counts with the others in Redis now, one rule for key budgets and client
// counters: connected, and no shared call has failed in the last few seconds. A slow Redis is away
// like a dead one; while it is, each process enforces its share of every limit (limit ÷ the live
// processes its heartbeat last counted), and it asks Redis again when the few seconds are over.
import type { Clock } from '../time/clock.ts';
import type { ProcessRoster } from './process-roster.ts';
import type { RedisConnection } from './redis-connection.ts';

/** After a shared call Redis failed to answer, how long this process counts alone at its share. */
export const SLOW_FALLBACK_MS = 5_000;

export class SharedReach {
  readonly #connection: RedisConnection;
  readonly #roster: ProcessRoster;
  readonly #clock: Clock;
  /** Monotonic ms until which nothing is counted in Redis: a call failed (slow, or going away). */
  #aloneUntil = 0;

  constructor(connection: RedisConnection, roster: ProcessRoster, clock: Clock) {
    this.#connection = connection;
    this.#roster = roster;
    this.#clock = clock;
  }

  get reachable(): boolean {
    if (!this.#connection.healthy) return false;
    if (this.#aloneUntil === 0) return true;
    if (this.#clock.monotonic() < this.#aloneUntil) return false;
    this.#aloneUntil = 0;
    return true;
  }

  /** The part of every limit this process enforces alone: 1 while shared. */
  get share(): number {
    return this.reachable ? 1 : 1 / this.#roster.peers;
  }

  /** A shared call did not answer (in time): count alone for a while. */
  failed(): void {
    this.#aloneUntil = this.#clock.monotonic() + SLOW_FALLBACK_MS;
  }
}
