// Client counters shared by every gateway process on one Redis (`store.redis`): ingress buckets and
// budget periods are claimed and settled there, one atomic script each, so a limit or a budget is
// one limit across processes. The spend ledger stays in this process's own store (SQLite): it is
// the durable record, and Redis need not be run with persistence for spend to survive it.
//
//   claim   Redis reachable -> CLAIM script (one round trip)
//           unreachable     -> the local store, every limit cut to this process's share (a Redis
//           or slow            that failed a call counts as away for a few seconds: SharedReach)
//   settle  where its claim was made; the spend record always goes to the local ledger
import type { RedisConnection, ScriptArg, ScriptCall } from './redis-connection.ts';
import { CLAIM, RESERVED_SLOT_MS, SETTLE } from './redis-counter-scripts.ts';
import type { SharedReach } from './shared-reach.ts';
import type {
  Claim,
  ClaimResult,
  Maybe,
  Settlement,
  SpendQuery,
  SpendRecord,
  SpendRow,
  StateStore,
} from './state-store.ts';

export const COUNTER_PREFIX = 'cooldown:counter:';

const OK: ClaimResult = { ok: true };

interface Level {
  value: number;
  at: number;
}

export interface SharedCountersOptions {
  /** Whether counting in Redis now, and the share of every limit this process enforces when not. */
  reach: Pick<SharedReach, 'reachable' | 'share' | 'failed'>;
  /** Levels remembered for /stats, at most. */
  maxLevels: number;
  /** Told when a settlement could not reach Redis. */
  onError: (err: unknown) => void;
}

export class SharedCounters implements StateStore {
  readonly backend = 'redis';
  readonly #local: StateStore;
  readonly #connection: RedisConnection;
  readonly #o: SharedCountersOptions;
  readonly #claim: ScriptCall;
  readonly #settle: ScriptCall;
  /** Claims made in the local store while Redis was away, as cut to the share (settled there). */
  readonly #localClaims = new WeakMap<Claim, Claim>();
  /** The reserved slot a period claim was counted in (where its settlement takes it back). */
  readonly #slots = new WeakMap<Claim, number>();
  /** Each counter's level as this process last saw it: stats read these, never Redis. */
  readonly #levels = new Map<string, Level>();

  constructor(local: StateStore, connection: RedisConnection, options: SharedCountersOptions) {
    this.#local = local;
    this.#connection = connection;
    this.#o = options;
    this.#claim = connection.script('cooldownCounterClaim', CLAIM);
    this.#settle = connection.script('cooldownCounterSettle', SETTLE);
  }

  get location(): string {
    const ledger = this.#local.location;
    return ledger ? `${this.#connection.location} (ledger ${ledger})` : this.#connection.location;
  }

  get size(): number {
    return this.#levels.size + this.#local.size;
  }

  claim(claims: readonly Claim[], now: number): Maybe<ClaimResult> {
    if (!this.#o.reach.reachable) return this.#claimLocally(claims, now);
    const slot = Math.floor(now / RESERVED_SLOT_MS);
    const args: ScriptArg[] = [now, slot];
    const keys: string[] = [];
    for (const c of claims) {
      keys.push(COUNTER_PREFIX + c.key);
      if (c.kind === 'bucket') args.push('b', c.amount, c.capacity, c.refillPerMs);
      else args.push('p', c.amount, c.limit, c.endsAt);
    }
    return this.#claim(keys, args).then(
      (reply) => {
        const r = reply as Array<number | string>;
        if (Number(r[0]) !== 1) {
          const wait = Number(r[3]);
          return {
            ok: false,
            index: Number(r[1]),
            remaining: Number(r[2]),
            retryAfterMs: wait < 0 ? Number.POSITIVE_INFINITY : wait,
          };
        }
        for (let i = 0; i < claims.length; i++) {
          const c = claims[i]!;
          if (c.kind === 'period') this.#slots.set(c, slot);
          this.#remember(c.key, Number(r[i + 1]), now);
        }
        return OK;
      },
      // Redis failed mid-call: this request is decided here, at this process's share, and the
      // next few seconds' requests too (no request waits on a slow Redis after the first).
      () => {
        this.#o.reach.failed();
        return this.#claimLocally(claims, now);
      },
    );
  }

  settle(settlements: readonly Settlement[], now: number, record?: SpendRecord, durable?: () => void) {
    const local: Settlement[] = [];
    const names: string[] = [];
    const args: ScriptArg[] = [now];
    for (const s of settlements) {
      const cut = this.#localClaims.get(s.claim);
      if (cut) {
        local.push({ ...s, claim: cut });
        continue;
      }
      const c = s.claim;
      names.push(c.key);
      if (c.kind === 'bucket') args.push('b', s.reserved, s.used, c.capacity, c.refillPerMs, 0);
      else args.push('p', s.reserved, s.used, c.limit, c.endsAt, this.#slots.get(c) ?? 0);
    }
    if (names.length > 0) {
      this.#settle(
        names.map((name) => COUNTER_PREFIX + name),
        args,
      ).then(
        (reply) => {
          const levels = reply as string[];
          for (let i = 0; i < names.length; i++) this.#remember(names[i]!, Number(levels[i]), now);
        },
        (err: unknown) => this.#o.onError(err),
      );
    }
    return this.#local.settle(local, now, record, durable);
  }

  level(claim: Claim, now: number): Maybe<number | undefined> {
    const seen = this.#levels.get(claim.key);
    if (!seen) return this.#local.level(claim, now);
    if (claim.kind === 'bucket')
      return Math.min(claim.capacity, seen.value + Math.max(0, now - seen.at) * claim.refillPerMs);
    return claim.endsAt <= now ? 0 : seen.value;
  }

  spend(query: SpendQuery): Maybe<SpendRow[]> {
    return this.#local.spend(query);
  }

  sweep(now: number): Maybe<void> {
    // Levels older than a day say nothing a scrape needs (periods longer than that are re-read on use).
    for (const [key, level] of this.#levels) if (now - level.at > 86_400_000) this.#levels.delete(key);
    return this.#local.sweep(now);
  }

  close(): Maybe<void> {
    return this.#local.close();
  }

  /**
   * Each limit cut to this process's share: a bucket's never below the claim itself (which would
   * never fit), a budget's of what it had left when Redis was last heard.
   */
  #claimLocally(claims: readonly Claim[], now: number): Maybe<ClaimResult> {
    const share = this.#o.reach.share;
    const cut = claims.map((c): Claim => {
      if (c.kind === 'bucket')
        return share >= 1
          ? c
          : { ...c, capacity: Math.max(c.amount, c.capacity * share), refillPerMs: c.refillPerMs * share };
      // A budget's share is of what was left when Redis was last heard: spent money stays spent.
      const spent = c.endsAt > now ? (this.#levels.get(c.key)?.value ?? 0) : 0;
      return { ...c, limit: Math.max(0, c.limit - spent) * share };
    });
    const mark = (result: ClaimResult) => {
      if (result.ok) for (let i = 0; i < claims.length; i++) this.#localClaims.set(claims[i]!, cut[i]!);
      return result;
    };
    const result = this.#local.claim(cut, now);
    return result instanceof Promise ? result.then(mark) : mark(result);
  }

  #remember(key: string, value: number, at: number): void {
    this.#levels.delete(key);
    this.#levels.set(key, { value, at });
    if (this.#levels.size > this.#o.maxLevels) this.#levels.delete(this.#levels.keys().next().value!);
  }
}
