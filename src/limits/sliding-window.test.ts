import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SlidingWindow } from './sliding-window.ts';

describe('SlidingWindow', () => {
  test('admits up to the limit, then says how long until the oldest slot leaves', () => {
    const w = new SlidingWindow(3, 60_000);
    assert.equal(w.waitFor(1, 0), 0);
    w.add(1, 0);
    w.add(1, 10_000);
    w.add(1, 20_000);
    assert.equal(w.used(20_000), 3);
    // The slot of t=0 (0..1 s) stops counting once a whole window passed its end: at 61 s.
    assert.equal(w.waitFor(1, 30_000), 31_000);
    assert.equal(w.waitFor(1, 61_000), 0);
    assert.equal(w.used(61_000), 2);
  });

  test('a minute window rolls: 60 requests a minute, forever, never 61 in any minute', () => {
    const w = new SlidingWindow(60, 60_000);
    const sent: number[] = [];
    let now = 0;
    while (now < 10 * 60_000) {
      const wait = w.waitFor(1, now);
      if (wait === 0) {
        w.add(1, now);
        sent.push(now);
      } else now += wait;
    }
    for (let i = 60; i < sent.length; i++)
      assert.ok(sent[i]! - sent[i - 60]! >= 60_000, `request ${i} within a minute of ${i - 60}`);
    // Uses the capacity: 10 minutes hold close to 600 requests.
    assert.ok(sent.length >= 590, `sent ${sent.length}`);
  });

  test('a day window in virtual time', () => {
    const day = 86_400_000;
    const w = new SlidingWindow(1000, day);
    w.add(1000, 0);
    assert.ok(w.waitFor(1, 3_600_000) > 20 * 3_600_000);
    assert.equal(w.waitFor(1, day + day / 60), 0);
  });

  test('an amount larger than the limit never fits', () => {
    assert.equal(new SlidingWindow(100, 60_000).waitFor(101, 0), Number.POSITIVE_INFINITY);
  });

  test('corrections adjust the slot they belong to, and never go below zero', () => {
    const w = new SlidingWindow(100, 60_000);
    w.add(80, 1000);
    w.add(-50, 1000);
    assert.equal(w.used(2000), 30);
    w.add(-500, 1000);
    assert.equal(w.used(2000), 0);
    // A correction for a slot long gone changes nothing now.
    w.add(40, 70_000);
    w.add(-40, 1000);
    assert.equal(w.used(70_000), 40);
  });

  test('at a share, the limit is that part of it, but never less than one request that fits', () => {
    const w = new SlidingWindow(30, 60_000);
    for (let i = 0; i < 10; i++) {
      assert.equal(w.waitFor(1, 0, 1 / 3), 0);
      w.add(1, 0);
    }
    assert.ok(w.waitFor(1, 0, 1 / 3) > 0, 'a third of 30 is used');
    assert.equal(w.waitFor(1, 0), 0, 'the whole limit is not');
    const big = new SlidingWindow(30, 60_000);
    assert.equal(big.waitFor(20, 0, 1 / 3), 0, 'larger than a share but within the limit: it may go alone');
  });
});
