import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveWindow } from './live-window.ts';

const BUF = 100;

describe('LiveWindow', () => {
  test('knows nothing until the upstream says something', () => {
    const w = new LiveWindow(60_000);
    assert.equal(w.available(0, BUF), undefined);
    assert.equal(w.waitFor(5, 0, BUF), 0);
  });

  test('available = reported remaining minus what is sent and not yet answered', () => {
    const w = new LiveWindow(60_000);
    w.record(1, 1, 0);
    w.record(2, 1, 0);
    w.record(3, 1, 0);
    w.observe(1, { limit: 10, remaining: 9, resetAt: 60_000 }, 10, BUF);
    assert.equal(w.available(10, BUF), 7, '#2 and #3 are still out');
    w.observe(3, { limit: 10, remaining: 8, resetAt: 60_000 }, 20, BUF);
    assert.equal(w.available(20, BUF), 7, '#2 is still out');
    w.observe(2, { limit: 10, remaining: 7, resetAt: 60_000 }, 30, BUF);
    assert.equal(w.available(30, BUF), 7);
  });

  test('answers out of order: the lowest remaining is the latest state', () => {
    const w = new LiveWindow(60_000);
    for (let s = 1; s <= 10; s++) w.record(s, 1, 0);
    // The upstream admitted #10 first (remaining 9) and #1 last (remaining 0).
    w.observe(10, { limit: 10, remaining: 9, resetAt: 2000 }, 5, BUF);
    assert.equal(w.available(5, BUF), 0);
    for (let s = 2; s <= 9; s++) w.observe(s, { limit: 10, remaining: 10 - s, resetAt: 2000 }, 6, BUF);
    w.observe(1, { limit: 10, remaining: 0, resetAt: 2000 }, 7, BUF);
    assert.equal(w.available(7, BUF), 0, 'never more than the limit in the window');
  });

  test('when full it waits for the reset plus the buffer, then is full again', () => {
    const w = new LiveWindow(2000);
    w.record(1, 1, 0);
    w.observe(1, { limit: 20, remaining: 0, resetAt: 1500 }, 50, BUF);
    assert.equal(w.waitFor(1, 100, BUF), 1500);
    assert.equal(w.available(1600, BUF), 20);
    assert.equal(w.waitFor(1, 1600, BUF), 0);
  });

  test('a slow answer about a window that already ended is ignored', () => {
    const w = new LiveWindow(2000);
    w.observe(1, { limit: 20, remaining: 15, resetAt: 5000 }, 3000, BUF);
    w.observe(0, { limit: 20, remaining: 0, resetAt: 2000 }, 3100, BUF);
    assert.equal(w.available(3100, BUF), 15);
  });

  test('settled amounts replace reservations until the upstream reports them', () => {
    const w = new LiveWindow(60_000);
    w.observe(0, { limit: 10_000, remaining: 10_000, resetAt: 60_000 }, 0, BUF);
    w.record(1, 5000, 0); // reserved: prompt + max_tokens
    assert.equal(w.available(1, BUF), 5000);
    w.correct(1, 1000); // it really used 1000
    assert.equal(w.available(2, BUF), 9000);
  });

  test('larger than the whole learned limit: never fits', () => {
    const w = new LiveWindow(60_000);
    w.observe(0, { limit: 1000, remaining: 1000 }, 0, BUF);
    assert.equal(w.waitFor(1001, 0, BUF), Number.POSITIVE_INFINITY);
  });

  test('goes stale after two windows without an answer', () => {
    const w = new LiveWindow(60_000);
    w.observe(0, { limit: 10, remaining: 1 }, 0, BUF);
    assert.equal(w.isFresh(120_000), true);
    assert.equal(w.isFresh(120_001), false);
  });

  test('without a reported reset, waits a window from the observation', () => {
    const w = new LiveWindow(60_000);
    w.observe(0, { limit: 10, remaining: 0 }, 1000, BUF);
    assert.equal(w.waitFor(1, 2000, BUF), 59_100);
  });

  test('alone at a share: its part of what remains and of the limit, whichever is less', () => {
    const w = new LiveWindow(60_000);
    w.observe(0, { limit: 30, remaining: 30, resetAt: 60_000 }, 0, BUF);
    let sent = 0;
    while (w.waitFor(1, 1, BUF, 1 / 3) === 0) w.record(++sent, 1, 1);
    assert.equal(sent, 10, 'a third of 30');
    // Answers take the pending back, but what it sent in this window still counts against its part.
    for (let seq = 1; seq <= sent; seq++) w.observe(seq, { remaining: 30 - seq, resetAt: 60_000 }, 2, BUF);
    assert.ok(w.waitFor(1, 3, BUF, 1 / 3) > 0, 'its third of the limit is used');
    assert.equal(w.waitFor(1, 3, BUF), 0, 'shared again (share 1): the 20 left are there');
    // The window refills: its part is whole again.
    assert.equal(w.waitFor(1, 60_000 + BUF, BUF, 1 / 3), 0);
  });

  test('alone at a share, a stale view is bounded by what remains: a third of 6 is 2', () => {
    const w = new LiveWindow(60_000);
    w.observe(0, { limit: 30, remaining: 6, resetAt: 60_000 }, 0, BUF);
    w.record(1, 1, 1);
    w.record(2, 1, 1);
    assert.ok(w.waitFor(1, 1, BUF, 1 / 3) > 0);
  });

  test('alone at a share, a request larger than a share goes only when nothing else was sent', () => {
    const w = new LiveWindow(60_000);
    w.observe(0, { limit: 900, remaining: 900, resetAt: 60_000 }, 0, BUF);
    assert.equal(w.waitFor(500, 1, BUF, 1 / 3), 0);
    w.record(1, 10, 1);
    assert.ok(w.waitFor(500, 1, BUF, 1 / 3) > 0);
  });

  test('the first request, sent before the window was known, counts in its share', () => {
    const w = new LiveWindow(60_000);
    w.observe(0, { limit: 3, remaining: 2, resetAt: 60_000 }, 0, BUF);
    w.countSent(1);
    assert.ok(w.waitFor(1, 1, BUF, 1 / 3) > 0, 'a third of 3 is the one already sent');
  });
});

test('a long request among many short ones is counted out when it is answered, however late', () => {
  const w = new LiveWindow(60_000);
  w.observe(0, { limit: 1_000_000, remaining: 1_000_000, resetAt: 60_000 }, 0, BUF);
  w.record(1, 5000, 1);
  for (let seq = 2; seq < 20_002; seq++) {
    w.record(seq, 1, 1);
    w.observe(seq, { limit: 1_000_000, remaining: 1_000_000, resetAt: 60_000 }, 1, BUF);
  }
  assert.equal(w.available(2, BUF), 1_000_000 - 5000, 'the long one still counted while out');
  w.observe(1, { limit: 1_000_000, remaining: 1_000_000, resetAt: 60_000 }, 2, BUF);
  assert.equal(w.available(2, BUF), 1_000_000, 'answered: counted out');
});
