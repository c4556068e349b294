// Which gateway processes share this Redis now: each announces itself with a heartbeat (its id in
// a sorted set, scored by time) and counts the others that beat lately. The count is what a
// process divides every limit by when Redis goes away and it must enforce limits alone.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../time/clock.ts';
import type { RedisConnection, ScriptCall } from './redis-connection.ts';

export const ROSTER_KEY = 'cooldown:processes';

/** KEYS: the roster. ARGV: now, this process's id, how long a silent process still counts. */
const BEAT = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('ZCARD', KEYS[1])
`;

export interface RosterOptions {
  clock: Clock;
  /** Between heartbeats (default 1 s); a process silent for three of them no longer counts. */
  intervalMs?: number;
  id?: string;
}

export class ProcessRoster {
  readonly id: string;
  readonly #connection: RedisConnection;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #beat: ScriptCall;
  #peers = 1;
  #cancel: (() => void) | undefined;
  #closed = false;

  constructor(connection: RedisConnection, options: RosterOptions) {
    this.#connection = connection;
    this.#clock = options.clock;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.id = options.id ?? randomUUID();
    this.#beat = connection.script('cooldownRosterBeat', BEAT);
    // A reconnected process says it is back at once, not a heartbeat later.
    connection.on('up', () => void this.beat());
    this.#schedule();
  }

  /** Live processes at the last heartbeat that reached Redis (this one included; at least 1). */
  get peers(): number {
    return this.#peers;
  }

  /** One heartbeat now; resolves with the live count (unchanged when Redis did not answer). */
  async beat(): Promise<number> {
    if (this.#closed || !this.#connection.healthy) return this.#peers;
    try {
      const n = Number(await this.#beat([ROSTER_KEY], [this.#clock.now(), this.id, 3 * this.#intervalMs]));
      if (Number.isFinite(n) && n >= 1) this.#peers = n;
    } catch {
      // Redis went away mid-beat: the last count stands, which is what the fallback divides by.
    }
    return this.#peers;
  }

  /** Leaves the roster, so the others' shares grow at once rather than after three beats. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancel?.();
    if (this.#connection.healthy)
      await this.#connection.client.zrem(ROSTER_KEY, this.id).catch(() => undefined);
  }

  #schedule(): void {
    this.#cancel = this.#clock.setTimer(this.#intervalMs, () => {
      if (this.#closed) return;
      void this.beat().finally(() => this.#schedule());
    });
  }
}
