// KeyPool: picking a key by balance, passing over used-up, failing and refused keys, and the wait.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Cost } from '../limits/cost.ts';
import { type BudgetSettings, KeyBudget, type StaticLimits } from '../limits/key-budget.ts';
import { createManualClock, type ManualClock } from '../time/clock.ts';
import { type BreakerSettings, CircuitBreaker, isProbe } from './circuit-breaker.ts';
import { KeyHealth } from './key-health.ts';
import { type Balance, KeyPool, type PooledKey } from './key-pool.ts';

const COST: Cost = { requests: 1, inputTokens: 10, outputTokens: 10 };

const budgetSettings = (limits: StaticLimits): BudgetSettings => ({
  limits,
  useHeaders: false,
  headerFallback: true,
  headerTimeoutMs: 5000,
  resetBufferMs: 0,
  upstreamReportsLimits: false,
});

const breakerSettings: BreakerSettings = {
  failures: 3,
  failureRatio: 0.5,
  minRequests: 10,
  cooldownMs: 10_000,
  maxCooldownMs: 60_000,
  probeIntervalMs: 15_000,
};

/** A key as the upstream admission builds it. */
function pooledKey(clock: ManualClock, label: string, limits: StaticLimits): PooledKey {
  return {
    secret: `sk-${label}`,
    scope: [],
    label,
    budget: new KeyBudget(budgetSettings(limits), clock),
    health: new KeyHealth(breakerSettings, clock),
  };
}

function setup(
  labels: string[],
  opts: { balance?: Balance; limits?: StaticLimits; maxConcurrent?: number } = {},
) {
  const clock = createManualClock();
  const keys = labels.map((l) => pooledKey(clock, l, opts.limits ?? { rpm: 2 }));
  const upstreamBreaker = new CircuitBreaker(
    { ...breakerSettings, failures: breakerSettings.failures * keys.length, failureRatio: Infinity },
    clock,
  );
  const pool = new KeyPool(keys, {
    name: 'up',
    balance: opts.balance ?? 'round_robin',
    maxConcurrent: opts.maxConcurrent,
    upstreamBreaker,
  });
  return { clock, keys, pool, upstreamBreaker };
}

/** Uses up the rest of a key's requests-per-minute on its own budget. */
function useUp(key: PooledKey): void {
  while (key.budget.waitFor(COST) === 0) key.budget.reserve(COST);
}

/** Opens a key's breaker. */
function openBreaker(key: PooledKey): void {
  for (let i = 0; i < breakerSettings.failures; i++) key.health.breaker.failure();
  assert.equal(key.health.breaker.state, 'open');
}

/** Admits a request and settles it at once; returns the label of the key it went to. */
function send(pool: KeyPool, tried?: ReadonlySet<PooledKey>): string {
  assert.equal(pool.waitFor(COST), 0, 'admit only when the pool says there is room');
  const grant = pool.admit(COST, tried);
  pool.settle(grant, COST);
  return grant.key.label;
}

const BALANCES: Balance[] = ['round_robin', 'least_loaded', 'most_remaining'];

describe('KeyPool', () => {
  test('round_robin spreads requests over the keys in turn', () => {
    const { pool } = setup(['a', 'b', 'c'], { limits: { rpm: 100 } });
    const picked = Array.from({ length: 7 }, () => send(pool));
    assert.deepEqual(picked, ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  test('least_loaded picks the key with the fewest requests in flight', () => {
    const { keys, pool } = setup(['a', 'b', 'c'], { balance: 'least_loaded', limits: { rpm: 100 } });
    keys[0]!.budget.reserve(COST);
    keys[0]!.budget.reserve(COST);
    keys[2]!.budget.reserve(COST);
    assert.equal(pool.admit(COST).key.label, 'b');
    // b and c have one each now, a two: the next goes to one of the lighter ones.
    assert.notEqual(pool.admit(COST).key.label, 'a');
  });

  test('most_remaining picks the key with the most of its limit left', () => {
    const { keys, pool } = setup(['a', 'b', 'c'], { balance: 'most_remaining', limits: { rpm: 4 } });
    for (const k of [keys[0]!, keys[0]!, keys[1]!, keys[2]!, keys[2]!, keys[2]!]) {
      k.budget.settle(k.budget.reserve(COST), COST);
    }
    assert.equal(pool.admit(COST).key.label, 'b', 'b has 3 of 4 left; a 2, c 1');
  });

  test('a key whose limit is used up is passed over; the wait is until the first key has room', () => {
    const { clock, keys, pool } = setup(['a', 'b']);
    useUp(keys[0]!); // a: 2 requests at t=0
    assert.ok(keys[0]!.budget.waitFor(COST) > 0);
    assert.equal(pool.waitFor(COST), 0, 'b still has room');
    clock.advance(10_000);
    assert.equal(send(pool), 'b', 'round robin would have picked a');
    assert.equal(send(pool), 'b');
    // Both are used up: a's requests (t=0) leave its minute before b's (t=10 s).
    const aWait = keys[0]!.budget.waitFor(COST);
    const bWait = keys[1]!.budget.waitFor(COST);
    assert.ok(aWait > 0 && aWait < bWait, `a ${aWait} ms, b ${bWait} ms`);
    assert.equal(pool.waitFor(COST), aWait);
    clock.advance(aWait);
    assert.equal(pool.waitFor(COST), 0);
    assert.equal(send(pool), 'a');
  });

  test('a key whose breaker is open is passed over; with every breaker open the wait is the first half-open', () => {
    const { clock, keys, pool } = setup(['a', 'b'], { limits: { rpm: 100 } });
    openBreaker(keys[0]!);
    assert.equal(pool.waitFor(COST), 0);
    assert.deepEqual([send(pool), send(pool), send(pool)], ['b', 'b', 'b']);
    clock.advance(3_000);
    openBreaker(keys[1]!); // half-open at 13 s; a at 10 s
    assert.equal(pool.waitFor(COST), 7_000);
    clock.advance(7_000);
    assert.equal(keys[0]!.health.breaker.state, 'half_open');
    assert.equal(pool.waitFor(COST), 0);
    assert.equal(send(pool), 'a', 'the half-open key takes a probe');
  });

  test('a half-open key takes one probe, then is passed over until its outcome', () => {
    const { clock, keys, pool } = setup(['a', 'b'], { limits: { rpm: 100 } });
    openBreaker(keys[0]!);
    clock.advance(10_000);
    const probe = pool.admit(COST);
    assert.equal(probe.key.label, 'a');
    assert.ok(keys[0]!.health.waitMs() > 0, 'the probe is out');
    assert.deepEqual([send(pool), send(pool)], ['b', 'b']);
    assert.equal(isProbe(probe.keyTicket), true);
    keys[0]!.health.breaker.success(probe.keyTicket);
    pool.settle(probe, COST);
    assert.equal(keys[0]!.health.breaker.state, 'closed');
    assert.deepEqual([send(pool), send(pool)], ['a', 'b']);
  });

  test('a removed key is never picked; with every key removed the wait is endless and explained', () => {
    const { keys, pool } = setup(['a', 'b', 'c'], { limits: { rpm: 100 } });
    keys[1]!.health.removed = 'HTTP 401';
    assert.equal(pool.usable, 2);
    const picked = Array.from({ length: 6 }, () => send(pool));
    assert.ok(!picked.includes('b'), picked.join(','));
    assert.ok(picked.includes('a') && picked.includes('c'));
    for (const k of keys) k.health.removed = 'HTTP 403';
    assert.equal(pool.usable, 0);
    assert.equal(pool.waitFor(COST), Number.POSITIVE_INFINITY);
    const err = pool.explain(COST);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_unavailable');
  });

  test('explain() is undefined when there is room or the wait is only for rate limits', () => {
    const { keys, pool } = setup(['a', 'b']);
    assert.equal(pool.explain(COST), undefined);
    useUp(keys[0]!);
    useUp(keys[1]!);
    assert.ok(pool.waitFor(COST) > 0);
    assert.equal(pool.explain(COST), undefined);
  });

  test('explain() is undefined when an open breaker is not what makes the pool wait', () => {
    const { clock, keys, pool } = setup(['a', 'b']);
    useUp(keys[0]!); // a: room again at about 61 s
    clock.advance(30_000);
    useUp(keys[1]!); // b: room again at about 91 s
    openBreaker(keys[0]!); // a: half-open at 40 s, before its limit lets it send anyway
    const wait = pool.waitFor(COST);
    assert.equal(wait, keys[0]!.budget.waitFor(COST));
    assert.ok(wait > keys[0]!.health.waitMs());
    assert.equal(pool.explain(COST), undefined);
  });

  test('explain() gives an error with retryAfterSeconds when open breakers make the pool wait', () => {
    const { clock, keys, pool } = setup(['a', 'b']);
    openBreaker(keys[0]!);
    clock.advance(2_500);
    openBreaker(keys[1]!);
    assert.equal(pool.waitFor(COST), 7_500);
    const err = pool.explain(COST);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_unavailable');
    assert.equal(err.retryAfterSeconds, 8);
  });

  test('explain() blames the breaker when one key is used up and the other is failing', () => {
    const { keys, pool } = setup(['a', 'b']);
    useUp(keys[0]!); // about 61 s
    openBreaker(keys[1]!); // 10 s
    assert.equal(pool.waitFor(COST), 10_000);
    const err = pool.explain(COST);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.retryAfterSeconds, 10);
  });

  for (const balance of BALANCES) {
    test(`${balance}: the tried hint picks an untried key with room, else falls back to a tried one`, () => {
      // Without the hint the first key is the pick.
      assert.equal(send(setup(['a', 'b', 'c'], { balance }).pool), 'a');

      const { keys, pool } = setup(['a', 'b', 'c'], { balance });
      const [a, b, c] = keys as [PooledKey, PooledKey, PooledKey];
      assert.equal(send(pool, new Set([a, b])), 'c');
      // c is used up (and untried); of the tried keys only a has room.
      useUp(c);
      useUp(b);
      assert.equal(send(pool, new Set([a, b])), 'a');
    });

    test(`${balance}: the tried hint outweighs load and remaining`, () => {
      const { keys, pool } = setup(['a', 'b', 'c'], { balance, limits: { rpm: 10 } });
      const [a, b, c] = keys as [PooledKey, PooledKey, PooledKey];
      // b and c are busier and have less left than a, which just failed the request.
      for (const k of [b, b, c, c]) k.budget.reserve(COST);
      const picked = pool.admit(COST, new Set([a])).key;
      assert.ok(picked === b || picked === c, picked.label);
    });
  }

  test('an open upstream breaker holds the pool back although keys have room', () => {
    const { clock, keys, pool, upstreamBreaker } = setup(['a', 'b'], { limits: { rpm: 100 } });
    for (let i = 0; i < 6; i++) upstreamBreaker.failure();
    assert.equal(upstreamBreaker.state, 'open');
    for (const k of keys) assert.equal(k.budget.waitFor(COST) + k.health.waitMs(), 0);
    assert.equal(pool.waitFor(COST), 10_000);
    const err = pool.explain(COST);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.retryAfterSeconds, 10);
    clock.advance(10_000);
    assert.equal(pool.waitFor(COST), 0);
    pool.admit(COST); // the upstream's probe
    assert.ok(pool.waitFor(COST) > 0, 'one probe at a time');
  });

  test('admit counts the request on the key and in the pool; settle ends it', () => {
    const { keys, pool } = setup(['a', 'b'], { limits: { rpm: 100 } });
    const g1 = pool.admit(COST);
    const g2 = pool.admit(COST);
    const g3 = pool.admit(COST);
    assert.deepEqual(
      keys.map((k) => k.health.requests),
      [2, 1],
    );
    assert.equal(keys[0]!.budget.inFlight, 2);
    assert.equal(pool.inFlight, 3);
    for (const g of [g1, g2, g3]) pool.settle(g, COST);
    assert.equal(pool.inFlight, 0);
    assert.equal(keys[0]!.budget.inFlight, 0);
    assert.deepEqual(
      keys.map((k) => k.health.requests),
      [2, 1],
      'requests counts what was sent, not what is in flight',
    );
  });

  test('maxConcurrent holds the pool back until a request settles, and settling tells watchers', () => {
    const { pool } = setup(['a', 'b'], { limits: { rpm: 100 }, maxConcurrent: 1 });
    let woken = 0;
    pool.onChange(() => woken++);
    const g = pool.admit(COST);
    assert.ok(pool.waitFor(COST) > 0);
    assert.equal(pool.explain(COST), undefined, 'a concurrency wait is no failure');
    pool.settle(g, COST);
    assert.equal(woken, 1);
    assert.equal(pool.waitFor(COST), 0);
  });
});
