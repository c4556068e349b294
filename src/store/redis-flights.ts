// Identical misses coalesced across the gateways on one Redis: the first to set a short lock key
// (`SET NX PX`) goes upstream; the others wait for its message on one channel (or the lock's time,
// should its process die), then read the answer it kept. Only misses pay for this, never hits.
import { randomUUID } from 'node:crypto';
import type { SharedFlights } from '../cache/flights.ts';
import type { Clock } from '../time/clock.ts';
import type { RedisConnection, ScriptCall } from './redis-connection.ts';

export const FLIGHT_PREFIX = 'cooldown:flight:';
/** Messages are the cache key of a flight that landed. */
export const LANDED_CHANNEL = 'cooldown:answer-landed';

/** Removes the lock only while it is still this process's (it may have expired and been taken). */
const DONE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', '${LANDED_CHANNEL}', ARGV[2])
return 1
`;

export class RedisFlights implements SharedFlights {
  readonly #connection: RedisConnection;
  readonly #clock: Clock;
  readonly #id = randomUUID();
  readonly #done: ScriptCall;
  /** Resolves once landings are heard (tests wait for it; the gateway need not). */
  readonly subscribed: Promise<void>;
  /** Requests here waiting for a flight elsewhere, by cache key; each is also ended by its timer. */
  readonly #waiting = new Map<string, Set<() => void>>();

  constructor(connection: RedisConnection, clock: Clock) {
    this.#connection = connection;
    this.#clock = clock;
    this.#done = connection.script('cooldownFlightDone', DONE);
    // Subscribed from the start: a message that comes before a waiter's subscription would be lost.
    this.subscribed = connection.subscribe(LANDED_CHANNEL, (key) => this.#wake(key));
    // A landing published while the subscriber was away is lost: a flight whose lock is gone landed.
    connection.on('resubscribed', () => {
      for (const key of this.#waiting.keys()) this.#wakeIfLanded(key);
    });
  }

  /** Redis away or failing: every process leads its own (a miss is never held up by Redis). */
  async lead(key: string, holdMs: number): Promise<boolean> {
    if (!this.#connection.healthy) return true;
    try {
      const set = await this.#connection.client.set(FLIGHT_PREFIX + key, this.#id, 'PX', holdMs, 'NX');
      return set === 'OK';
    } catch {
      return true;
    }
  }

  landed(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#waiting.get(key);
      if (!set) {
        set = new Set();
        this.#waiting.set(key, set);
      }
      const waiters = set;
      const end = () => {
        cancel();
        waiters.delete(end);
        if (waiters.size === 0 && this.#waiting.get(key) === waiters) this.#waiting.delete(key);
        resolve();
      };
      const cancel = this.#clock.setTimer(ms, end);
      waiters.add(end);
      // It may have landed between the lock refused and this waiter listening.
      this.#connection.client.exists(FLIGHT_PREFIX + key).then(
        (n) => n === 0 && end(),
        () => end(),
      );
    });
  }

  done(key: string): void {
    if (!this.#connection.healthy) return;
    this.#done([FLIGHT_PREFIX + key], [this.#id, key]).catch(() => undefined);
  }

  #wakeIfLanded(key: string): void {
    this.#connection.client.exists(FLIGHT_PREFIX + key).then(
      (n) => n === 0 && this.#wake(key),
      () => this.#wake(key),
    );
  }

  #wake(key: string): void {
    const waiters = this.#waiting.get(key);
    if (waiters) for (const end of [...waiters]) end();
  }
}
