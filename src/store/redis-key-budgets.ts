// Shared key budgets on Redis: a reservation is one EVALSHA (check and count, atomic), what follows
// it one more that nobody waits for. Keys are named by a hash of the upstream and the secret, never
// the secret. While Redis is down or slow every process falls back to its share (see SharedReach).
import type { SharedAsk, SharedGrant, SharedKeyBudgets, SharedUpdate } from '../limits/shared-key-budgets.ts';
import type { RedisConnection, ScriptArg, ScriptCall } from './redis-connection.ts';
import { FREED_CHANNEL, PENDING_SLOT_MS, RESERVE, UPDATE } from './redis-key-budget-scripts.ts';
import type { SharedReach } from './shared-reach.ts';

export const BUDGET_PREFIX = 'cooldown:budget:';

export class RedisKeyBudgets implements SharedKeyBudgets {
  readonly #connection: RedisConnection;
  readonly #reach: SharedReach;
  readonly #reserve: ScriptCall;
  readonly #update: ScriptCall;
  /** Who holds requests back for a key, by its hash's name: told when an answer may have freed room. */
  readonly #watchers = new Map<string, () => void>();
  #subscribed: Promise<void> | undefined;
  /** Updates that failed (Redis down or slow), for stats. */
  lostUpdates = 0;
  /** Updates waiting for the end of this turn, by key id, in the order heard. */
  readonly #queued = new Map<string, SharedUpdate[]>();
  #flushing: Promise<void> | undefined;
  #sent: Promise<void> = Promise.resolve();
  /** Connections made so far (a Redis that restarted may have come back empty). */
  epoch = 0;

  constructor(connection: RedisConnection, reach: SharedReach) {
    this.#connection = connection;
    this.#reach = reach;
    if (connection.healthy) this.epoch++;
    connection.on('up', () => this.epoch++);
    // A "freed" message lost while the subscriber was away: whoever waits on a key asks again.
    connection.on('resubscribed', () => {
      for (const onFreed of [...this.#watchers.values()]) onFreed();
    });
    this.#reserve = connection.script('cooldownBudgetReserve', RESERVE);
    this.#update = connection.script('cooldownBudgetUpdate', UPDATE);
  }

  /** Resolves once the subscription is made (tests wait for it; the gateway need not). */
  watch(keyId: string, onFreed: () => void): Promise<void> {
    this.#subscribed ??= this.#connection.subscribe(FREED_CHANNEL, (hash) => this.#watchers.get(hash)?.());
    this.#watchers.set(BUDGET_PREFIX + keyId, onFreed);
    return this.#subscribed;
  }

  unwatch(keyId: string): void {
    this.#watchers.delete(BUDGET_PREFIX + keyId);
  }

  /** Connected, and no shared call has failed lately: a slow Redis counts as away, like a dead one. */
  get reachable(): boolean {
    return this.#reach.reachable;
  }

  get localShare(): number {
    return this.#reach.share;
  }

  async reserve(keyId: string, ask: SharedAsk): Promise<SharedGrant | number> {
    const args: ScriptArg[] = [
      ask.now,
      ask.resetBufferMs,
      ask.useHeaders ? 1 : 0,
      Math.floor(ask.now / PENDING_SLOT_MS),
      ask.cost.requests,
      ask.cost.inputTokens + ask.cost.outputTokens,
      ask.cost.inputTokens,
      ask.cost.outputTokens,
      ask.configured.length,
    ];
    for (const w of ask.configured) args.push(w.name, w.windowMs, w.limit);
    args.push(ask.seeds.length);
    for (const w of ask.seeds)
      args.push(w.name, w.windowMs, w.limit ?? '', w.remaining ?? '', w.resetAt ?? '');
    args.push(ask.probeMs);
    let reply: Array<number | string>;
    try {
      reply = (await this.#reserve([BUDGET_PREFIX + keyId], args)) as Array<number | string>;
    } catch (err) {
      this.#reach.failed();
      throw err;
    }
    const wait = Number(reply[0]);
    if (wait > 0) return wait;
    const pending: Array<readonly [string, number]> = [];
    for (let i = 1; i + 1 < reply.length; i += 2) pending.push([String(reply[i]), Number(reply[i + 1])]);
    return { at: ask.now, pending, configured: ask.configured, observed: false };
  }

  /**
   * Queued, and sent once per turn of the event loop: the answers heard on a key in one turn go in
   * one script call (under load many do), never waited for.
   */
  update(keyId: string, change: SharedUpdate): void {
    if (!this.#connection.healthy) {
      this.lostUpdates++;
      return;
    }
    const queued = this.#queued.get(keyId);
    if (queued) queued.push(change);
    else this.#queued.set(keyId, [change]);
    this.#flushing ??= new Promise((resolve) =>
      setImmediate(() => {
        this.#flushing = undefined;
        this.#sent = this.#flush();
        resolve(this.#sent);
      }),
    );
  }

  /** Resolves once every update queued so far has been applied (or lost). For tests. */
  async settled(): Promise<void> {
    await (this.#flushing ?? this.#sent);
  }

  async #flush(): Promise<void> {
    const batches = [...this.#queued];
    this.#queued.clear();
    await Promise.all(
      batches.map(([keyId, changes]) =>
        this.#update([BUDGET_PREFIX + keyId], updateArgs(changes)).catch(() => {
          this.lostUpdates += changes.length;
        }),
      ),
    );
  }
}

/** One UPDATE call's arguments for the changes heard on a key (see the script for their layout). */
function updateArgs(changes: readonly SharedUpdate[]): ScriptArg[] {
  const last = changes[changes.length - 1]!;
  let pauseUntil = 0;
  const back: ScriptArg[] = [];
  const reported: ScriptArg[] = [];
  const corrections: ScriptArg[] = [];
  for (const change of changes) {
    pauseUntil = Math.max(pauseUntil, change.pauseUntil ?? 0);
    const answered = change.answered;
    if (answered) {
      const slot = Math.floor(answered.at / PENDING_SLOT_MS);
      for (const [name, amount] of answered.pending) back.push(name, amount, slot);
    }
    for (const w of change.reported ?? [])
      reported.push(w.name, w.windowMs, w.limit ?? '', w.remaining ?? '', w.resetAt ?? '');
    for (const c of change.corrections ?? [])
      corrections.push(c.window.name, c.window.windowMs, c.at, c.delta);
  }
  return [
    last.now,
    last.resetBufferMs,
    pauseUntil,
    back.length / 3,
    ...back,
    reported.length / 5,
    ...reported,
    corrections.length / 4,
    ...corrections,
  ];
}
