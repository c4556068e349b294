// Shared key budgets in a real redis-server, driven with explicit wall-clock instants: what one
// process reserved another sees, answers take their pending amounts back, a learned window refills
// at its reset, configured limits count across processes, a pause is shared, seeds fill in for a
// Redis that restarted empty, and the hash never names the key.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { connectedRedis } from '../../test/support/redis-connection.ts';
import { startRedisServer, type TestRedis } from '../../test/support/redis-server.ts';
import type { Cost } from '../limits/cost.ts';
import type { SharedAsk, SharedGrant } from '../limits/shared-key-budgets.ts';
import { createManualClock } from '../time/clock.ts';
import { ProcessRoster } from './process-roster.ts';
import type { RedisConnection } from './redis-connection.ts';
import { BUDGET_PREFIX, RedisKeyBudgets } from './redis-key-budgets.ts';
import { SharedReach, SLOW_FALLBACK_MS } from './shared-reach.ts';

const ONE: Cost = { requests: 1, inputTokens: 0, outputTokens: 0 };
const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);

const ask = (now: number, over: Partial<SharedAsk> = {}): SharedAsk => ({
  now,
  resetBufferMs: 0,
  useHeaders: true,
  cost: ONE,
  configured: [],
  seeds: [],
  probeMs: 0,
  ...over,
});

function granted(result: SharedGrant | number): SharedGrant {
  assert.notEqual(typeof result, 'number', `refused for ${String(result)} ms`);
  return result as SharedGrant;
}

describe('RedisKeyBudgets', () => {
  let redis: TestRedis;
  let a: RedisConnection;
  let b: RedisConnection;
  let budgetsA: RedisKeyBudgets;
  let budgetsB: RedisKeyBudgets;
  const rosters: ProcessRoster[] = [];

  before(async () => {
    redis = await startRedisServer();
    a = await connectedRedis(redis.url);
    b = await connectedRedis(redis.url);
    const clock = createManualClock(T0);
    for (const c of [a, b]) rosters.push(new ProcessRoster(c, { clock }));
    budgetsA = new RedisKeyBudgets(a, new SharedReach(a, rosters[0]!, clock));
    budgetsB = new RedisKeyBudgets(b, new SharedReach(b, rosters[1]!, clock));
  });
  beforeEach(async () => {
    await a.client.flushall();
  });
  after(async () => {
    for (const r of rosters) await r.close();
    await a.close();
    await b.close();
    await redis.stop();
  });

  /** An answer for `grant` reporting a requests/minute window, applied and waited for. */
  async function answer(budgets: RedisKeyBudgets, grant: SharedGrant, now: number, remaining: number) {
    budgets.update('key1', {
      now,
      resetBufferMs: 0,
      answered: grant,
      reported: [{ name: 'requests/minute', windowMs: 60_000, limit: 10, remaining, resetAt: T0 + 60_000 }],
    });
    await budgets.settled(); // updates are sent at the end of the turn, not waited for
  }

  test('a learned window is shared: what one process sends, the other cannot', async () => {
    const first = granted(await budgetsA.reserve('key1', ask(T0)));
    assert.deepEqual(first.pending, [], 'nothing learned yet: nothing to count as pending');
    await answer(budgetsA, first, T0 + 10, 2);
    // Two left: one reserved through A, one through B, and the third waits for the reset.
    const viaA = granted(await budgetsA.reserve('key1', ask(T0 + 20)));
    assert.deepEqual(viaA.pending, [['requests/minute', 1]]);
    granted(await budgetsB.reserve('key1', ask(T0 + 30)));
    const wait = await budgetsB.reserve('key1', ask(T0 + 40));
    assert.equal(wait, 60_000 - 40, 'full until the reported reset');
    // At the reset the window is whole again, for both.
    granted(await budgetsA.reserve('key1', ask(T0 + 60_000)));
  });

  test('an answer takes its pending amount back; the lowest remaining wins', async () => {
    await answer(budgetsA, granted(await budgetsA.reserve('key1', ask(T0))), T0, 1);
    const held = granted(await budgetsA.reserve('key1', ask(T0 + 1)));
    assert.equal(typeof (await budgetsB.reserve('key1', ask(T0 + 2))), 'number', 'one pending fills it');
    // Its answer says 0 remain (it included itself): still full, now from the report.
    await answer(budgetsA, held, T0 + 3, 0);
    assert.equal(typeof (await budgetsB.reserve('key1', ask(T0 + 4))), 'number');
    // A late answer with more remaining does not raise it within the window.
    await answer(budgetsB, held, T0 + 5, 7);
    assert.equal(typeof (await budgetsB.reserve('key1', ask(T0 + 6))), 'number');
  });

  test("a process refused on a key is told when another process's answer frees room, once", {
    timeout: 10_000,
  }, async () => {
    await answer(budgetsA, granted(await budgetsA.reserve('key1', ask(T0))), T0, 1);
    const held = granted(await budgetsA.reserve('key1', ask(T0 + 1)));
    let told = 0;
    let heard: () => void = () => {};
    const freed = new Promise<void>((resolve) => {
      heard = resolve;
    });
    await budgetsB.watch('key1', () => {
      told++;
      heard();
    });
    assert.equal(typeof (await budgetsB.reserve('key1', ask(T0 + 2))), 'number', 'refused: one in flight');
    await answer(budgetsA, held, T0 + 3, 0);
    await freed;
    // No one was refused since: the next answer publishes nothing.
    await answer(budgetsA, held, T0 + 4, 0);
    await budgetsB.reserve('key1', ask(T0 + 60_000));
    assert.equal(told, 1);
    budgetsB.unwatch('key1');
  });

  test("a process that dies with requests in flight holds nothing past the window's reset", async () => {
    const report = (remaining: number) => ({
      name: 'requests/minute',
      windowMs: 60_000,
      limit: 2,
      remaining,
      resetAt: T0 + 10_000,
    });
    const first = granted(await budgetsB.reserve('key1', ask(T0)));
    budgetsB.update('key1', { now: T0, resetBufferMs: 0, answered: first, reported: [report(2)] });
    await budgetsB.settled();
    granted(await budgetsA.reserve('key1', ask(T0 + 1))); // A dies with it in flight: never answered
    const viaB = granted(await budgetsB.reserve('key1', ask(T0 + 2)));
    budgetsB.update('key1', { now: T0 + 3, resetBufferMs: 0, answered: viaB, reported: [report(0)] });
    await budgetsB.settled();
    assert.equal(await budgetsB.reserve('key1', ask(T0 + 4)), 10_000 - 4, 'full until the reset');
    // At the reset the dead process's request is forgotten: the window is whole for the living.
    granted(await budgetsB.reserve('key1', ask(T0 + 10_000)));
    granted(await budgetsB.reserve('key1', ask(T0 + 10_001)));
    assert.equal(typeof (await budgetsB.reserve('key1', ask(T0 + 10_002))), 'number');
  });

  test('answers heard in one turn go in one call: every pending amount comes back, the lowest remaining stands', async () => {
    await answer(budgetsA, granted(await budgetsA.reserve('key1', ask(T0))), T0, 10);
    const grants = [];
    for (let i = 1; i <= 3; i++) grants.push(granted(await budgetsA.reserve('key1', ask(T0 + i))));
    const calls = async () =>
      Number(/cmdstat_evalsha:calls=(\d+)/.exec(await a.client.info('commandstats'))?.[1]);
    const before = await calls();
    // Their answers, out of order: the upstream counted all three, so the last word is 7 left.
    for (const [grant, remaining] of [
      [grants[0]!, 8],
      [grants[2]!, 7],
      [grants[1]!, 9],
    ] as const)
      budgetsA.update('key1', {
        now: T0 + 10,
        resetBufferMs: 0,
        answered: grant,
        reported: [{ name: 'requests/minute', windowMs: 60_000, limit: 10, remaining, resetAt: T0 + 60_000 }],
      });
    await budgetsA.settled();
    assert.equal((await calls()) - before, 1, 'one script call for the three');
    for (let i = 0; i < 7; i++) granted(await budgetsB.reserve('key1', ask(T0 + 20 + i)));
    assert.equal(typeof (await budgetsB.reserve('key1', ask(T0 + 30))), 'number', 'seven, and no more');
  });

  test("a reset an answer hears first forgets the dead process's sends as well", async () => {
    const report = (remaining: number, resetAt: number) => ({
      name: 'requests/minute',
      windowMs: 60_000,
      limit: 2,
      remaining,
      resetAt,
    });
    const first = granted(await budgetsB.reserve('key1', ask(T0)));
    budgetsB.update('key1', {
      now: T0,
      resetBufferMs: 0,
      answered: first,
      reported: [report(2, T0 + 10_000)],
    });
    await budgetsB.settled();
    granted(await budgetsA.reserve('key1', ask(T0 + 1))); // never answered
    granted(await budgetsA.reserve('key1', ask(T0 + 2))); // never answered
    assert.equal(typeof (await budgetsB.reserve('key1', ask(T0 + 3))), 'number', 'full');
    // After the reset, an answer from the new window comes before any reservation.
    budgetsB.update('key1', { now: T0 + 10_001, resetBufferMs: 0, reported: [report(2, T0 + 70_000)] });
    await budgetsB.settled();
    granted(await budgetsB.reserve('key1', ask(T0 + 10_002)));
    granted(await budgetsB.reserve('key1', ask(T0 + 10_003)));
  });

  test('a new hash expires by itself, whatever its first calls were', async () => {
    assert.equal(typeof (await budgetsA.reserve('fresh', ask(T0))), 'object');
    budgetsA.update('fresh', {
      now: T0 + 1,
      resetBufferMs: 0,
      reported: [{ name: 'requests/minute', windowMs: 60_000, limit: 1, remaining: 0, resetAt: T0 + 60_000 }],
    });
    await budgetsA.settled();
    assert.equal(typeof (await budgetsA.reserve('fresh', ask(T0 + 2))), 'number', 'refused, held');
    assert.ok((await a.client.pttl(`${BUDGET_PREFIX}fresh`)) > 0);
  });

  test('a key nobody has heard from takes one request at a time across processes, until an answer', async () => {
    const probe = granted(await budgetsA.reserve('cold', ask(T0, { probeMs: 5_000 })));
    assert.equal(await budgetsB.reserve('cold', ask(T0 + 1, { probeMs: 5_000 })), 4_999, 'the probe is out');
    budgetsA.update('cold', {
      now: T0 + 10,
      resetBufferMs: 0,
      answered: probe,
      reported: [
        { name: 'requests/minute', windowMs: 60_000, limit: 10, remaining: 9, resetAt: T0 + 60_000 },
      ],
    });
    await budgetsA.settled();
    granted(await budgetsB.reserve('cold', ask(T0 + 11, { probeMs: 5_000 })));
    granted(await budgetsA.reserve('cold', ask(T0 + 12, { probeMs: 5_000 })));
  });

  test('configured limits count every process, with corrections at the reservation time', async () => {
    const rpm = [{ name: 'requests/minute', windowMs: 60_000, limit: 2 }];
    const tpm = [{ name: 'tokens/minute', windowMs: 60_000, limit: 100 }];
    const cost: Cost = { requests: 1, inputTokens: 30, outputTokens: 30 };
    granted(await budgetsA.reserve('key1', ask(T0, { configured: rpm, useHeaders: false })));
    granted(await budgetsB.reserve('key1', ask(T0 + 1, { configured: rpm, useHeaders: false })));
    const wait = await budgetsA.reserve('key1', ask(T0 + 2, { configured: rpm, useHeaders: false }));
    assert.ok(typeof wait === 'number' && wait > 0 && wait <= 65_000, `waits for a slot to leave: ${wait}`);

    const t = granted(await budgetsA.reserve('key2', ask(T0, { configured: tpm, useHeaders: false, cost })));
    assert.equal(typeof (await budgetsB.reserve('key2', ask(T0, { configured: tpm, cost }))), 'number');
    // It used 10 tokens, not 60: 50 come back, and the other process fits.
    budgetsA.update('key2', {
      now: T0 + 5,
      resetBufferMs: 0,
      corrections: [{ window: tpm[0]!, at: t.at, delta: -50 }],
    });
    await budgetsA.settled();
    granted(await budgetsB.reserve('key2', ask(T0 + 6, { configured: tpm, useHeaders: false, cost })));
  });

  test('a pause one process hears holds every process', async () => {
    budgetsA.update('key1', { now: T0, resetBufferMs: 0, pauseUntil: T0 + 3_000 });
    await budgetsA.settled();
    assert.equal(await budgetsB.reserve('key1', ask(T0 + 1_000)), 2_000);
    granted(await budgetsB.reserve('key1', ask(T0 + 3_000)));
  });

  test('a seed stands for a window an empty Redis does not know; a known one ignores it', async () => {
    const seeds = [
      { name: 'requests/minute', windowMs: 60_000, limit: 10, remaining: 0, resetAt: T0 + 5_000 },
    ];
    assert.equal(await budgetsA.reserve('key1', ask(T0, { seeds })), 5_000);
    const other = [{ ...seeds[0]!, remaining: 9 }];
    assert.equal(
      await budgetsB.reserve('key1', ask(T0 + 1, { seeds: other })),
      4_999,
      'the first seed stands',
    );
  });

  test('the hash is named by the id given, and stays bounded under many reservations', async () => {
    await answer(budgetsA, granted(await budgetsA.reserve('key1', ask(T0))), T0, 10_000);
    for (let i = 0; i < 300; i++) await budgetsA.reserve('key1', ask(T0 + i * 1_000));
    assert.deepEqual(await a.client.keys(`${BUDGET_PREFIX}*`), [`${BUDGET_PREFIX}key1`]);
    const fields = await a.client.hlen(`${BUDGET_PREFIX}key1`);
    assert.ok(fields <= 60, `a ring of slots, not a field per slot: ${fields} fields`);
  });

  test('unreachable: reservations reject, updates are counted as lost, and the share is 1/processes', async () => {
    // Each heartbeat counts those that beat before it: the second round sees both.
    for (const round of [1, 2]) for (const r of rosters) assert.ok((await r.beat()) >= round);
    assert.equal(rosters[0]!.peers, 2);
    const lone = await connectedRedis(redis.url);
    const roster = new ProcessRoster(lone, { clock: createManualClock(T0) });
    await roster.beat();
    const budgets = new RedisKeyBudgets(lone, new SharedReach(lone, roster, createManualClock(T0)));
    assert.equal(budgets.localShare, 1);
    await lone.close();
    assert.equal(budgets.reachable, false);
    assert.equal(budgets.localShare, 1 / 3);
    await assert.rejects(budgets.reserve('key1', ask(T0)));
    budgets.update('key1', { now: T0, resetBufferMs: 0, pauseUntil: T0 + 1 });
    assert.equal(budgets.lostUpdates, 1);
  });

  test('slow: a reservation Redis does not answer in time makes this process count alone for a while', async () => {
    for (const round of [1, 2]) for (const r of rosters) assert.ok((await r.beat()) >= round);
    const clock = createManualClock(T0);
    const impatient = await connectedRedis(redis.url, { commandTimeoutMs: 50 });
    const roster = new ProcessRoster(impatient, { clock });
    await roster.beat();
    const budgets = new RedisKeyBudgets(impatient, new SharedReach(impatient, roster, clock));
    try {
      // Writes held back server-side: the script times out while the connection stays up.
      await b.client.call('CLIENT', 'PAUSE', '500', 'WRITE');
      await assert.rejects(budgets.reserve('key1', ask(T0)));
      assert.equal(impatient.healthy, true, 'the connection itself is fine');
      assert.equal(budgets.reachable, false, 'but reservations are not sent to it for now');
      assert.equal(budgets.localShare, 1 / roster.peers);
      clock.advance(SLOW_FALLBACK_MS);
      assert.equal(budgets.reachable, true, 'after a while Redis is asked again');
      assert.equal(budgets.localShare, 1);
    } finally {
      await b.client.call('CLIENT', 'UNPAUSE');
      await impatient.close();
    }
  });
});
