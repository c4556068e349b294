// Cached answers in Redis, shared by every gateway on it: one hash per answer under
// `cooldown:answer:<key>` (its description, its body as bytes, and for clearing and counting its
// upstream, model and size), expiring by itself (PEXPIRE). The total is bounded by Redis's own
// `maxmemory` policy (allkeys-lru), one answer by `cache.max_entry_mb`. Redis failing never fails
// a request: a read is a miss, a write is dropped, and each outage is logged once. Identical
// misses in several processes are coalesced through a short lock (see RedisFlights).
import type { AnswerFilter, AnswerStore } from '../cache/answer-store.ts';
import { answerSize, type StoredAnswer } from '../cache/stored-answer.ts';
import type { Usage } from '../dialects/types.ts';
import type { Logger } from '../log/logger.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import type { RedisConnection, ScriptCall } from './redis-connection.ts';
import { RedisFlights } from './redis-flights.ts';

export const ANSWER_PREFIX = 'cooldown:answer:';

/** Keys one SCAN step returns about (and one script call clears or counts): short steps, no stall. */
const SCAN_BATCH = 500;

/** Replaced whole (so no field of an older answer stays), expiring with the answer. */
const PUT = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'body', ARGV[2], 'u', ARGV[3], 'm', ARGV[4], 'n', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
`;

/** Removes those of KEYS that match: ARGV = hasUpstream, upstream, hasModel, model. */
const CLEAR = `
local n = 0
for _, key in ipairs(KEYS) do
  local f = redis.call('HMGET', key, 'u', 'm')
  if f[1] and (ARGV[1] == '0' or f[1] == ARGV[2]) and (ARGV[3] == '0' or f[2] == ARGV[4]) then
    redis.call('UNLINK', key)
    n = n + 1
  end
end
return n
`;

/** How many of KEYS still exist and their sizes together. */
const TALLY = `
local n, bytes = 0, 0
for _, key in ipairs(KEYS) do
  local size = redis.call('HGET', key, 'n')
  if size then
    n = n + 1
    bytes = bytes + tonumber(size)
  end
end
return {n, bytes}
`;

/** What the `meta` field holds: the answer without its body. */
interface AnswerMeta {
  status: number;
  headers: string[];
  stream: boolean;
  storedAt: number;
  expiresAt: number;
  upstream: string;
  model: string;
  usage?: Usage;
}

export interface RedisAnswersSettings {
  connection: RedisConnection;
  /** One answer at most, in bytes (as `answerSize` weighs it). */
  maxEntryBytes: number;
  logger: Logger;
  /** For how long a request waits on an identical one in another process (default: the system's). */
  clock?: Clock;
}

export class RedisAnswers implements AnswerStore {
  readonly backend = 'redis';
  readonly #connection: RedisConnection;
  readonly #maxEntryBytes: number;
  readonly #logger: Logger;
  readonly #put: ScriptCall;
  readonly #clear: ScriptCall;
  readonly #tally: ScriptCall;
  /** Identical misses in several processes make one upstream call. */
  readonly flights: RedisFlights;
  /** Counted over all gateways at each sweep (and on connecting), moved by this one's writes between. */
  #entries = 0;
  #bytes = 0;
  /** Failures are logged once until Redis answers again. */
  #saidFailure = false;

  constructor(settings: RedisAnswersSettings) {
    this.#connection = settings.connection;
    this.#maxEntryBytes = settings.maxEntryBytes;
    this.#logger = settings.logger;
    this.#put = this.#connection.script('cooldownAnswerPut', PUT);
    this.#clear = this.#connection.script('cooldownAnswerClear', CLEAR);
    this.#tally = this.#connection.script('cooldownAnswerTally', TALLY);
    this.flights = new RedisFlights(this.#connection, settings.clock ?? systemClock);
    this.#connection.on('up', this.#onUp);
  }

  async get(key: string, now: number): Promise<StoredAnswer | undefined> {
    if (!this.#connection.healthy) return undefined;
    try {
      const [meta, body] = await this.#connection.client.hmgetBuffer(ANSWER_PREFIX + key, 'meta', 'body');
      if (!meta || !body) return undefined;
      const m = JSON.parse(meta.toString('utf8')) as AnswerMeta;
      if (m.expiresAt <= now) return undefined;
      return {
        status: m.status,
        headers: m.headers,
        body,
        stream: m.stream,
        storedAt: m.storedAt,
        expiresAt: m.expiresAt,
        upstream: m.upstream,
        model: m.model,
        usage: m.usage,
      };
    } catch (err) {
      this.#failed(err, 'reading');
      return undefined;
    }
  }

  async put(key: string, answer: StoredAnswer): Promise<void> {
    const size = answerSize(answer);
    const ttl = answer.expiresAt - answer.storedAt;
    if (size > this.#maxEntryBytes || ttl <= 0 || !this.#connection.healthy) return;
    const meta: AnswerMeta = {
      status: answer.status,
      headers: [...answer.headers],
      stream: answer.stream,
      storedAt: answer.storedAt,
      expiresAt: answer.expiresAt,
      upstream: answer.upstream,
      model: answer.model,
      ...(answer.usage ? { usage: answer.usage } : {}),
    };
    try {
      await this.#put(
        [ANSWER_PREFIX + key],
        [JSON.stringify(meta), answer.body, answer.upstream, answer.model, size, ttl],
      );
      this.#entries++;
      this.#bytes += size;
    } catch (err) {
      this.#failed(err, 'writing');
    }
  }

  /** Walks the prefix with SCAN, one script call per step; a failure rejects (the admin sees it). */
  async clear(filter: AnswerFilter): Promise<number> {
    const args = [
      filter.upstream === undefined ? '0' : '1',
      filter.upstream ?? '',
      filter.model === undefined ? '0' : '1',
      filter.model ?? '',
    ];
    let gone = 0;
    await this.#scan(async (keys) => {
      gone += Number(await this.#clear(keys, args));
    });
    this.#entries = Math.max(0, this.#entries - gone);
    if (this.#entries === 0) this.#bytes = 0;
    return gone;
  }

  /** Redis expires answers by itself; a sweep recounts what all gateways hold, for /stats. */
  async sweep(_now: number): Promise<void> {
    if (!this.#connection.healthy) return;
    let entries = 0;
    let bytes = 0;
    await this.#scan(async (keys) => {
      const [n, b] = (await this.#tally(keys, [])) as [number, number];
      entries += n;
      bytes += b;
    });
    this.#entries = entries;
    this.#bytes = bytes;
  }

  get entries(): number {
    return this.#entries;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The connection is the gateway's, closed by it; this store only stops listening to it. */
  close(): void {
    this.#connection.off('up', this.#onUp);
  }

  readonly #onUp = (): void => {
    this.#saidFailure = false;
    this.sweep(0).catch((err: unknown) => this.#failed(err, 'counting'));
  };

  async #scan(step: (keys: string[]) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#connection.client.scan(
        cursor,
        'MATCH',
        `${ANSWER_PREFIX}*`,
        'COUNT',
        SCAN_BATCH,
      );
      cursor = next;
      if (keys.length > 0) await step(keys);
    } while (cursor !== '0');
  }

  #failed(err: unknown, doing: string): void {
    if (this.#saidFailure) return;
    this.#saidFailure = true;
    this.#logger.warn(
      { err: (err as Error).message },
      `${doing} the Redis response cache failed; until Redis answers again, reads are misses and writes are dropped`,
    );
  }
}
