// Shared circuit breakers on Redis: an opening is a key that expires when the breaker may probe
// again (so a process that starts late, or reconnects, can ask what is open), and a message on one
// channel so the others hear it at once. Nothing of this is on a request's path: only openings and
// closings, which are rare, reach Redis.

import type { Clock } from '../time/clock.ts';
import type { SharedBreakers } from '../upstreams/shared-breakers.ts';
import type { RedisConnection } from './redis-connection.ts';

export const BREAKER_PREFIX = 'cooldown:breaker:';
/** Messages are `<process id> <breaker id> <open until wall ms, 0: closed>`. */
export const BREAKER_CHANNEL = 'cooldown:breaker';

export class RedisBreakers implements SharedBreakers {
  readonly #connection: RedisConnection;
  readonly #processId: string;
  readonly #clock: Clock;
  readonly #followers = new Map<string, (untilWallMs: number) => void>();
  #subscribed: Promise<void> | undefined;

  constructor(connection: RedisConnection, processId: string, clock: Clock) {
    this.#connection = connection;
    this.#processId = processId;
    this.#clock = clock;
    // Messages sent while this process was away are lost: what is open now is asked again.
    const askAll = () => {
      for (const id of this.#followers.keys()) this.#ask(id);
    };
    connection.on('up', askAll);
    connection.on('resubscribed', askAll);
  }

  announce(id: string, untilWallMs: number): void {
    if (!this.#connection.healthy) return;
    const key = BREAKER_PREFIX + id;
    const ttl = Math.ceil(untilWallMs - this.#clock.now());
    const batch = this.#connection.client.multi();
    if (ttl > 0) batch.set(key, String(untilWallMs), 'PX', ttl);
    else batch.del(key);
    batch.publish(BREAKER_CHANNEL, `${this.#processId} ${id} ${ttl > 0 ? untilWallMs : 0}`);
    // Lost when Redis fails now: each process's own breaker still guards it.
    batch.exec().catch(() => undefined);
  }

  /** Resolves once subscribed (tests wait for it; the gateway need not). */
  follow(id: string, heard: (untilWallMs: number) => void): Promise<void> {
    this.#subscribed ??= this.#connection.subscribe(BREAKER_CHANNEL, (message) => this.#heard(message));
    this.#followers.set(id, heard);
    this.#ask(id);
    return this.#subscribed;
  }

  unfollow(id: string, heard: (untilWallMs: number) => void): void {
    if (this.#followers.get(id) === heard) this.#followers.delete(id);
  }

  #heard(message: string): void {
    const [from, id, until] = message.split(' ');
    if (from === this.#processId || id === undefined) return;
    const at = Number(until);
    if (Number.isFinite(at)) this.#followers.get(id)?.(at);
  }

  #ask(id: string): void {
    if (!this.#connection.healthy) return;
    this.#connection.client.get(BREAKER_PREFIX + id).then(
      (until) => {
        const at = Number(until);
        if (until !== null && at > this.#clock.now()) this.#followers.get(id)?.(at);
      },
      () => undefined,
    );
  }
}
