import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CounterTable } from './counter-table.ts';
import type { BucketClaim, PeriodClaim } from './state-store.ts';

const rpm = (key: string, amount = 1, capacity = 3): BucketClaim => ({
  kind: 'bucket',
  key,
  amount,
  capacity,
  refillPerMs: capacity / 60_000,
});
const day = (key: string, amount: number, limit = 1, endsAt = 86_400_000): PeriodClaim => ({
  kind: 'period',
  key,
  amount,
  limit,
  endsAt,
});

describe('CounterTable', () => {
  test('a bucket admits its burst, then refuses until it refills', () => {
    const t = new CounterTable(100);
    for (let i = 0; i < 3; i++) assert.equal(t.claim([rpm('a')], 0).ok, true);
    const refused = t.claim([rpm('a')], 0);
    assert.equal(refused.ok, false);
    if (!refused.ok) {
      assert.equal(refused.index, 0);
      assert.equal(refused.remaining, 0);
      assert.equal(refused.retryAfterMs, 20_000, 'one token of 3/min takes 20 s');
    }
    assert.equal(t.claim([rpm('a')], 20_000).ok, true);
  });

  test('claims are all or nothing: a refused one leaves the others untouched', () => {
    const t = new CounterTable(100);
    assert.equal(t.claim([rpm('a'), day('spend', 0.6)], 0).ok, true);
    const refused = t.claim([rpm('a'), day('spend', 0.6)], 0);
    assert.equal(refused.ok, false);
    if (!refused.ok) assert.equal(refused.index, 1);
    assert.equal(t.level(rpm('a'), 0), 2, 'the bucket gave nothing to the refused request');
    assert.equal(t.level(day('spend', 0), 0), 0.6);
  });

  test('settling corrects a reservation to what was used', () => {
    const t = new CounterTable(100);
    const claim = day('spend', 0.5);
    t.claim([claim], 0);
    t.settle([{ claim, reserved: 0.5, used: 0.1 }], 10);
    assert.ok(Math.abs(t.level(claim, 10)! - 0.1) < 1e-12);
    const tokens = rpm('t', 50, 100);
    t.claim([tokens], 0);
    t.settle([{ claim: tokens, reserved: 50, used: 80 }], 0);
    assert.equal(t.level(tokens, 0), 20, 'using more than reserved is taken too');
  });

  test('a period ends: its counter reads zero, and a sweep forgets it once nothing is reserved', () => {
    const t = new CounterTable(100);
    const claim = day('d1', 0.4, 1, 1000);
    t.claim([claim], 0);
    assert.equal(t.level(claim, 1000), 0);
    t.sweep(1000);
    assert.equal(t.size, 1, 'still reserved: kept until settled');
    t.settle([{ claim, reserved: 0.4, used: 0.4 }], 1500);
    t.sweep(1500);
    assert.equal(t.size, 0);
  });

  test('a refilled bucket is swept; one still draining is kept', () => {
    const t = new CounterTable(100);
    t.claim([rpm('full')], 0);
    t.claim([rpm('busy'), rpm('busy')], 59_000);
    t.sweep(60_000);
    assert.equal(t.size, 1);
    assert.equal(t.level(rpm('busy'), 60_000)! < 3, true);
  });

  test('a million distinct clients never hold more than the bound', () => {
    const t = new CounterTable(1000);
    for (let i = 0; i < 1_000_000; i++) t.claim([rpm(`in/rpm/ip:${i}`)], i);
    assert.equal(t.size, 1000);
    assert.equal(t.level(rpm('in/rpm/ip:999999'), 1_000_000) !== undefined, true, 'the latest is kept');
    assert.equal(t.level(rpm('in/rpm/ip:0'), 1_000_000), undefined, 'the oldest is forgotten');
  });

  test('a forgotten period is read back from where its settled total is kept', () => {
    const kept = new Map([['p', 0.75]]);
    const t = new CounterTable(10, (key) => kept.get(key) ?? 0);
    const refused = t.claim([day('p', 0.5)], 0);
    assert.equal(refused.ok, false);
    if (!refused.ok) assert.equal(refused.remaining, 0.25);
  });

  test('a claim larger than the limit can never fit', () => {
    const t = new CounterTable(10);
    const r = t.claim([day('p', 2)], 0);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.retryAfterMs, Number.POSITIVE_INFINITY);
  });

  test('a budget counter holding reservations is never evicted, however many clients come after it', () => {
    const kept = new Map<string, number>();
    const t = new CounterTable(4, (key) => kept.get(key) ?? 0);
    const alice = day('budget/alice', 0.9, 5);
    assert.equal(t.claim([alice], 0).ok, true);
    for (let i = 0; i < 20; i++) t.claim([rpm(`in/rpm/c${i}`)], 0);
    assert.equal(t.level(alice, 0), 0.9, 'its running reservation still counts');
    const refused = t.claim([day('budget/alice', 4.2, 5)], 0);
    assert.equal(refused.ok, false);
  });

  test('without a file to read them back from, budget counters are never evicted', () => {
    const t = new CounterTable(2);
    const spent = day('budget/p', 0.5);
    t.claim([spent], 0);
    t.settle([{ claim: spent, reserved: 0.5, used: 0.5 }], 0);
    for (let i = 0; i < 10; i++) t.claim([rpm(`in/rpm/c${i}`)], 0);
    assert.equal(t.level(spent, 0), 0.5);
  });

  test('reservations released in float steps leave nothing, so the ended period is swept', () => {
    const t = new CounterTable(10);
    const claims = [0.1, 0.2, 0.3].map((a) => day('d', a, 1, 1000));
    for (const c of claims) t.claim([c], 0);
    for (const c of claims) t.settle([{ claim: c, reserved: c.amount, used: 0 }], 0);
    t.sweep(1000);
    assert.equal(t.size, 0);
  });

  test('a claim of nothing passes while the budget has room and is refused once it is spent', () => {
    const t = new CounterTable(10);
    assert.equal(t.claim([day('p', 0)], 0).ok, true);
    const all = day('p', 1);
    t.claim([all], 0);
    assert.equal(t.claim([day('p', 0)], 0).ok, false);
  });
});
