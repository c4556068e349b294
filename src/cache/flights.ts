// Request coalescing: the first miss for a key goes upstream; identical misses that come while it
// runs follow it instead of making calls of their own: they get its stream live once that goes
// out, or its kept answer once it is over, or nothing (then each goes on its own).
import type { LiveAnswer } from './live-answer.ts';
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

/** What followers get: the leader's stream as it goes out, its kept answer, or undefined. */
export type Landing = LiveAnswer | StoredAnswer | undefined;

/** One request following a flight. */
export interface Follower {
  /** Undefined: the leader's answer cannot be shared; the follower goes on its own. */
  readonly answer: Promise<Landing>;
  /** Done with the flight (answered, gone on its own, or its client left); once is enough. */
  leave(): void;
}

interface OpenFlight {
  readonly answer: Promise<Landing>;
  /** The first landing counts: followers that went live keep their stream to its end. */
  settle(landing: Landing): void;
  followers: number;
  /** The leader wants to hear of its first follower (to share its stream live). */
  followed: (() => void) | undefined;
}

export class Flights {
  readonly #open = new Map<string, OpenFlight>();
  /** Requests following a flight now: waiting for its answer, or getting its stream live. */
  waiting = 0;

  /** A follower of the flight running for `key`, or undefined after starting one (the caller leads it). */
  join(key: string): Follower | undefined {
    const running = this.#open.get(key);
    if (!running) {
      this.#open.set(key, newFlight());
      return undefined;
    }
    running.followers++;
    this.waiting++;
    const followed = running.followed;
    running.followed = undefined;
    followed?.();
    let left = false;
    return {
      answer: running.answer,
      leave: () => {
        if (left) return;
        left = true;
        running.followers--;
        this.waiting--;
      },
    };
  }

  /** Calls `then` once the flight for `key` has a follower: now, if it has one already. */
  whenFollowed(key: string, then: () => void): void {
    const flight = this.#open.get(key);
    if (!flight) return;
    if (flight.followers > 0) then();
    else flight.followed = then;
  }

  /** The leader's stream goes out: its followers (and those that join while it runs) get it live. */
  goLive(key: string, live: LiveAnswer): void {
    this.#open.get(key)?.settle(live);
  }

  /** The leader is done: followers still waiting get the answer (or go on their own without one). */
  land(key: string, answer: StoredAnswer | undefined): void {
    const flight = this.#open.get(key);
    if (!flight) return;
    this.#open.delete(key);
    flight.settle(answer);
  }

  get size(): number {
    return this.#open.size;
  }
}

function newFlight(): OpenFlight {
  let resolve!: (landing: Landing) => void;
  const answer = new Promise<Landing>((r) => {
    resolve = r;
  });
  let settled = false;
  return {
    answer,
    settle(landing) {
      if (settled) return;
      settled = true;
      resolve(landing);
    },
    followers: 0,
    followed: undefined,
  };
}
