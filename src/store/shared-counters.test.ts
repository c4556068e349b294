// Shared client counters on a real redis-server: two stores on two connections stand for two
// gateway processes. A bucket or a budget claimed through one is spent for the other; settlements
// correct the shared count; the ledger stays each process's own; with Redis away each process
// enforces its share alone, and what a budget had spent stays spent.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { connectedRedis } from '../../test/support/redis-connection.ts';
import { startRedisServer, type TestRedis } from '../../test/support/redis-server.ts';
import { createManualClock } from '../time/clock.ts';
import { MemoryStore } from './memory-store.ts';
import { ProcessRoster } from './process-roster.ts';
import type { RedisConnection } from './redis-connection.ts';
import { COUNTER_PREFIX, SharedCounters } from './shared-counters.ts';
import { SharedReach, SLOW_FALLBACK_MS } from './shared-reach.ts';
import type { BucketClaim, ClaimResult, PeriodClaim, SpendRecord } from './state-store.ts';

// Near the real time, on a 30 s slot's start: Redis expires period counters at a wall-clock instant
// (PEXPIREAT), so a fixed date would expire them at once once it is an hour past.
const T0 = Math.floor(Date.now() / 30_000) * 30_000;

/** 3 requests a minute, refilling continuously. */
const rpm = (amount = 1): BucketClaim => ({
  kind: 'bucket',
  key: 'ingress/alice/requests',
  amount,
  capacity: 3,
  refillPerMs: 3 / 60_000,
});
const daily = (amount: number): PeriodClaim => ({
  kind: 'period',
  key: 'budget/global/daily/2026-12-03',
  amount,
  limit: 1,
  endsAt: T0 + 3_600_000,
});

const record: SpendRecord = {
  at: T0,
  requestId: 'r1',
  client: 'vk:alice',
  upstream: 'openai',
  model: 'gpt-4o-mini',
  costUsd: 0.1,
  inputTokens: 10,
  outputTokens: 5,
};

describe('SharedCounters', () => {
  let redis: TestRedis;
  let a: RedisConnection;
  let b: RedisConnection;
  let peers = 2;
  let errors = 0;
  /** Reachable while connected; its share then 1/peers, as the gateway's SharedReach gives it. */
  const reachOf = (c: RedisConnection) => ({
    get reachable() {
      return c.healthy;
    },
    get share() {
      return c.healthy ? 1 : 1 / peers;
    },
    failed() {},
  });
  const store = (c: RedisConnection) =>
    new SharedCounters(new MemoryStore({ maxCounters: 100 }), c, {
      reach: reachOf(c),
      maxLevels: 100,
      onError: () => errors++,
    });
  let one: SharedCounters;
  let two: SharedCounters;

  before(async () => {
    redis = await startRedisServer();
    a = await connectedRedis(redis.url);
    b = await connectedRedis(redis.url);
  });
  beforeEach(async () => {
    await a.client.flushall();
    one = store(a);
    two = store(b);
    errors = 0;
  });
  after(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  const claim = async (s: SharedCounters, c: BucketClaim | PeriodClaim, now = T0) =>
    (await s.claim([c], now)) as ClaimResult;

  test('a bucket claimed through one process is spent for the other', async () => {
    assert.equal((await claim(one, rpm())).ok, true);
    assert.equal((await claim(two, rpm())).ok, true);
    assert.equal((await claim(one, rpm())).ok, true);
    const refused = await claim(two, rpm());
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.index === 0 && refused.remaining === 0);
    assert.ok(!refused.ok && refused.retryAfterMs === 20_000, 'one request refills in 20 s');
    assert.equal((await claim(two, rpm(), T0 + 20_000)).ok, true, 'refilled for everyone');
    assert.equal(await one.level(rpm(), T0), 0, 'stats read the level this process last saw');
  });

  test('all or nothing: a refused claim leaves the others untouched', async () => {
    const refused = await two.claim([rpm(), daily(2)], T0);
    assert.equal((refused as ClaimResult).ok, false);
    assert.ok(!(refused as { ok: boolean }).ok);
    assert.equal(await a.client.exists(`${COUNTER_PREFIX}${rpm().key}`), 0, 'the bucket was not touched');
  });

  test('a budget counts reservations of every process and settles to the real cost', async () => {
    const first = daily(0.6);
    assert.equal((await claim(one, first)).ok, true);
    const over = await claim(two, daily(0.6));
    assert.ok(!over.ok && Math.abs(over.remaining - 0.4) < 1e-9, 'the reservation counts at once');
    // It cost 0.2, not 0.6: 0.4 comes back, and the other process fits.
    one.settle([{ claim: first, reserved: 0.6, used: 0.2 }], T0 + 10, record);
    await a.client.ping();
    assert.equal((await claim(two, daily(0.6), T0 + 20)).ok, true);
    assert.equal((await claim(one, daily(0.3), T0 + 30)).ok, false, '0.2 + 0.6 reserved: 0.2 left');
    assert.equal((one.spend({ from: 0, to: T0 + 100 }) as { requests: number }[])[0]!.requests, 1);
    assert.equal(
      (two.spend({ from: 0, to: T0 + 100 }) as { requests: number }[])[0]!.requests,
      0,
      'the ledger is each process its own',
    );
    assert.equal(errors, 0);
  });

  test('Redis away: each process enforces its share alone, and a budget keeps what it had spent', async () => {
    const spent = daily(0.5);
    assert.equal((await claim(one, spent)).ok, true);
    one.settle([{ claim: spent, reserved: 0.5, used: 0.5 }], T0 + 1);
    await a.client.ping();
    await claim(one, daily(0), T0 + 2); // heard back: 0.5 spent
    const lone = await connectedRedis(redis.url);
    const alone = store(lone);
    await claim(alone, daily(0), T0 + 2);
    await lone.close();
    peers = 2;
    // Half of the 0.5 left: 0.25 for this process.
    assert.equal((await claim(alone, daily(0.2), T0 + 3)).ok, true, 'no round trip needed');
    assert.equal((await claim(alone, daily(0.1), T0 + 4)).ok, false, 'its share is spent');
    // Buckets: half of 3 a minute is 1.5 at once.
    const request = rpm();
    assert.equal((await claim(alone, request, T0 + 5)).ok, true);
    assert.equal((await claim(alone, rpm(), T0 + 6)).ok, false);
    // Settled where it was claimed: the local store, not Redis.
    alone.settle([{ claim: request, reserved: 1, used: 0 }], T0 + 7);
    assert.equal((await claim(alone, rpm(), T0 + 8)).ok, true, 'given back locally');
    assert.equal(errors, 0, 'nothing was sent to the Redis that is away');
    assert.equal(await a.client.exists(`${COUNTER_PREFIX}${rpm().key}`), 0);
  });

  test('Redis slow: a claim it does not answer in time is decided here, and so are the next for a while', async () => {
    const clock = createManualClock(T0);
    const impatient = await connectedRedis(redis.url, { commandTimeoutMs: 50 });
    const roster = new ProcessRoster(impatient, { clock });
    const reach = new SharedReach(impatient, roster, clock);
    const slow = new SharedCounters(new MemoryStore({ maxCounters: 100 }), impatient, {
      reach,
      maxLevels: 100,
      onError: () => errors++,
    });
    try {
      await b.client.call('CLIENT', 'PAUSE', '500', 'WRITE');
      assert.equal((await slow.claim([rpm()], T0)).ok, true, 'decided locally, at the share');
      assert.equal(reach.reachable, false);
      const next = slow.claim([rpm()], T0 + 1);
      assert.ok(!(next instanceof Promise), 'no round trip while Redis counts as away');
      clock.advance(SLOW_FALLBACK_MS);
      await b.client.call('CLIENT', 'UNPAUSE');
      const again = slow.claim([rpm()], T0 + 2);
      assert.ok(again instanceof Promise, 'then Redis is asked again');
      assert.equal((await again).ok, true);
    } finally {
      await b.client.call('CLIENT', 'UNPAUSE');
      await roster.close();
      await impatient.close();
    }
  });
});
