// The scheduler with key budgets shared between processes, in virtual time, with a shared store
// whose verdicts the test gives: a grant sends, a refusal gives the grant back and puts the
// request back at the head of the line until the store's wait is over, and an unreachable store
// leaves admission local (and synchronous) at this process's share.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cost } from '../limits/cost.ts';
import { KeyBudget } from '../limits/key-budget.ts';
import type { SharedAsk, SharedGrant, SharedKeyBudgets, SharedUpdate } from '../limits/shared-key-budgets.ts';
import { createManualClock } from '../time/clock.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { KeyHealth } from './key-health.ts';
import { KeyPool } from './key-pool.ts';
import type { Lease } from './scheduler.ts';
import { Scheduler } from './scheduler.ts';

const ONE: Cost = { requests: 1, inputTokens: 0, outputTokens: 0 };

const breaker = {
  failures: 3,
  failureRatio: 0.5,
  minRequests: 10,
  cooldownMs: 10_000,
  maxCooldownMs: 60_000,
  probeIntervalMs: 15_000,
};

/** A shared store that answers each reservation with the next verdict in `verdicts` (then grants). */
class ScriptedShared implements SharedKeyBudgets {
  reachable = true;
  localShare = 1;
  epoch = 1;
  readonly verdicts: number[] = [];
  readonly asked: SharedAsk[] = [];
  readonly updates: SharedUpdate[] = [];

  /** The next reservation fails, and the store counts as away after it (as a slow Redis does). */
  failNext = false;

  async reserve(_keyId: string, ask: SharedAsk): Promise<SharedGrant | number> {
    this.asked.push(ask);
    if (this.failNext) {
      this.failNext = false;
      this.reachable = false;
      this.localShare = 1 / 2;
      throw new Error('Command timed out');
    }
    const wait = this.verdicts.shift() ?? 0;
    if (wait > 0) return wait;
    return { at: ask.now, pending: [['requests/minute', 1]], configured: ask.configured, observed: false };
  }

  update(_keyId: string, change: SharedUpdate): void {
    this.updates.push(change);
  }

  readonly watchers = new Map<string, () => void>();
  watch(keyId: string, onFreed: () => void): void {
    this.watchers.set(keyId, onFreed);
  }
  unwatch(keyId: string): void {
    this.watchers.delete(keyId);
  }
}

function setup(rpm = 100) {
  const clock = createManualClock();
  const shared = new ScriptedShared();
  const settings = {
    limits: { rpm },
    useHeaders: true,
    headerFallback: true,
    headerTimeoutMs: 5_000,
    resetBufferMs: 0,
    upstreamReportsLimits: false,
  };
  const key = {
    secret: 'sk-one',
    scope: [],
    label: 'sk-...one',
    budget: new KeyBudget(settings, clock, { budgets: shared, id: 'id-one' }),
    health: new KeyHealth(breaker, clock),
  };
  const pool = new KeyPool([key], {
    name: 'up',
    balance: 'round_robin',
    upstreamBreaker: new CircuitBreaker({ ...breaker, failureRatio: Number.POSITIVE_INFINITY }, clock),
  });
  const scheduler = new Scheduler({
    name: 'up',
    pool,
    paces: [],
    maxQueue: 10,
    queueTimeoutMs: 60_000,
    clock,
  });
  const acquire = () => scheduler.acquire(ONE, 'normal', () => {});
  return { clock, shared, key, pool, scheduler, acquire };
}

/** Lets promise callbacks run (the shared store's answers are promises), without moving time. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Scheduler with shared key budgets', () => {
  test('a grant from the shared store sends; settling passes the pending amount back', async () => {
    const { shared, acquire } = setup();
    const pending = acquire();
    assert.ok(pending instanceof Promise, 'the shared store is asked first');
    const lease = await pending;
    assert.equal(shared.asked.length, 1);
    assert.deepEqual(shared.asked[0]!.configured, [
      { name: 'requests/minute', windowMs: 60_000, limit: 100 },
    ]);
    assert.ok(lease.reservation.shared, 'the grant is kept with the reservation');
    lease.settle(ONE);
    assert.equal(shared.updates.length, 1);
    assert.equal(
      shared.updates[0]!.answered,
      lease.reservation.shared,
      'no answer took it back: settle does',
    );
  });

  test('refused: the grant is given back, the key held for the wait, and the request goes first after it', async () => {
    const { clock, shared, pool, scheduler } = setup();
    // Told apart by their prompts: the order the shared store is asked in is the order they go.
    const ask = (inputTokens: number) =>
      scheduler.acquire({ ...ONE, inputTokens }, 'normal', () => {}) as Promise<Lease>;
    shared.verdicts.push(5_000);
    const first = ask(1);
    await settled();
    assert.equal(pool.inFlight, 0, 'the refused grant was given back');
    assert.equal(scheduler.queueLength, 1, 'it waits in line again');
    const second = ask(2);
    await settled();
    assert.equal(scheduler.queueLength, 2, 'a newcomer waits behind it: the key is held');
    clock.advance(4_999);
    await settled();
    assert.equal(shared.asked.length, 1, 'nothing is asked while the key is held');
    clock.advance(1);
    const [lease] = await Promise.all([first, second]);
    assert.deepEqual(
      shared.asked.map((a) => a.cost.inputTokens),
      [1, 1, 2],
      'refused, then first again, then the newcomer',
    );
    assert.equal(lease.waitedMs, 5_000, 'its wait counts from the first try');
  });

  test('refused for long, then told room was freed elsewhere: the request asks again at once', async () => {
    const { shared, pool, scheduler } = setup();
    shared.verdicts.push(60_000);
    const pending = scheduler.acquire(ONE, 'normal', () => {}) as Promise<Lease>;
    await settled();
    assert.equal(scheduler.queueLength, 1, 'held back by the shared store');
    assert.equal(pool.keys[0]!.budget.stats().held_for_ms, 60_000);
    shared.watchers.get('id-one')!();
    const lease = await pending;
    assert.equal(shared.asked.length, 2, 'asked again without any time passing');
    assert.equal(lease.waitedMs, 0);
    assert.equal(pool.keys[0]!.budget.stats().held_for_ms, 0);
  });

  test('unreachable: admission is local and synchronous, at this process share of the limit', () => {
    const { shared, acquire, scheduler } = setup(30);
    shared.reachable = false;
    shared.localShare = 1 / 3;
    const leases: Lease[] = [];
    for (let i = 0; i < 10; i++) {
      const lease = acquire();
      assert.ok(!(lease instanceof Promise), 'no round trip when the store is away');
      leases.push(lease);
    }
    assert.equal(shared.asked.length, 0);
    assert.ok(scheduler.waitFor(ONE) > 0, 'a third of rpm 30 is used');
    for (const l of leases) l.settle(ONE);
    assert.equal(shared.updates.length, 0, 'nothing was counted there: nothing to take back');
  });

  test('a reservation the store fails to answer is not sent on trust: it waits for room at the local share', async () => {
    const { shared, pool, scheduler, acquire } = setup(4);
    await acquire();
    await acquire();
    shared.failNext = true;
    const third = acquire();
    await settled();
    assert.equal(shared.asked.length, 3);
    assert.equal(pool.inFlight, 2, 'the failed try was given back, not sent');
    assert.equal(scheduler.queueLength, 1, 'half of rpm 4 is in flight already: it waits in line');
    assert.ok(third instanceof Promise);
    assert.equal(shared.asked.length, 3, 'and the store, away now, is not asked again');
  });

  test('what this process learned goes to the store only when the store may have lost it', async () => {
    const { clock, shared, acquire } = setup();
    const first = await acquire();
    first.learn({
      windows: [
        { dimension: 'requests', window: 'minute', limit: 100, remaining: 99, resetAt: clock.now() + 60_000 },
      ],
      rejected: [],
    });
    first.settle(ONE);
    (await acquire()).settle(ONE);
    shared.epoch++; // reconnected: Redis may have restarted empty
    (await acquire()).settle(ONE);
    (await acquire()).settle(ONE);
    assert.deepEqual(
      shared.asked.map((a) => a.seeds.map((w) => w.name)),
      [[], [], ['requests/minute'], []],
      'nothing learned yet, known to the store, sent after the reconnection, known again',
    );
  });

  test('a pause after a 429 is passed on to the shared store', async () => {
    const { clock, shared, acquire } = setup();
    const lease = await acquire();
    lease.pause(2_000);
    const pause = shared.updates.find((u) => u.pauseUntil !== undefined);
    assert.equal(pause?.pauseUntil, clock.now() + 2_000);
  });
});
