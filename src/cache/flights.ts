// Request coalescing: the first miss for a key goes upstream; identical misses that come while it
// runs wait for its answer instead of making calls of their own.
import type { StoredAnswer } from './stored-answer.ts';

/**
 * Coalescing across processes that share one answer store (Redis): a short lock names the one
 * process whose miss goes upstream; the others wait for it to land, then read its kept answer.
 */
export interface SharedFlights {
  /** True: this process leads for `key` now (it holds the lock for at most `holdMs`). */
  lead(key: string, holdMs: number): Promise<boolean>;
  /** Resolves once the leader elsewhere has landed (its answer kept, or given up), or after `ms`. */
  landed(key: string, ms: number): Promise<void>;
  /** This process's flight for `key` is over (its answer kept, or not): the lock goes, waiters hear. */
  done(key: string): void;
}

export interface Flight {
  /** The leader's answer when it could be kept; undefined: each follower goes on its own. */
  readonly answer: Promise<StoredAnswer | undefined>;
}

interface OpenFlight extends Flight {
  land(answer: StoredAnswer | undefined): void;
  followers: number;
}

export class Flights {
  readonly #open = new Map<string, OpenFlight>();
  /** Requests waiting for a leader's answer now. */
  waiting = 0;

  /** The flight already running for `key`, or undefined after starting one (the caller leads it). */
  join(key: string): Flight | undefined {
    const running = this.#open.get(key);
    if (running) {
      running.followers++;
      this.waiting++;
      return running;
    }
    let land!: (answer: StoredAnswer | undefined) => void;
    const answer = new Promise<StoredAnswer | undefined>((resolve) => {
      land = resolve;
    });
    this.#open.set(key, { answer, land, followers: 0 });
    return undefined;
  }

  /** The leader is done: its followers get the answer (or go on their own without one). */
  land(key: string, answer: StoredAnswer | undefined): void {
    const flight = this.#open.get(key);
    if (!flight) return;
    this.#open.delete(key);
    this.waiting -= flight.followers;
    flight.land(answer);
  }

  get size(): number {
    return this.#open.size;
  }
}
