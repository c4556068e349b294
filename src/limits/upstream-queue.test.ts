import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientGone } from '../errors/client-gone.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { createManualClock, type ManualClock } from '../time/clock.ts';
import type { Cost } from './cost.ts';
import { type Capacity, UpstreamQueue } from './upstream-queue.ts';

const ONE: Cost = { requests: 1, inputTokens: 0, outputTokens: 0 };

/** A capacity of `slots` requests that come back only when released, or refill at `refillAt`. */
function slots(clock: ManualClock, n: number) {
  let free = n;
  let refillAt = Number.POSITIVE_INFINITY;
  const capacity: Capacity<number> = {
    waitFor: (cost) =>
      cost.requests > 100
        ? Number.POSITIVE_INFINITY
        : free > 0
          ? 0
          : Number.isFinite(refillAt)
            ? Math.max(1, refillAt - clock.monotonic())
            : 60_000, // nothing planned: capacity comes back when a request settles (wake)
    admit: () => {
      free--;
      return n - free;
    },
  };
  return {
    capacity,
    release() {
      free++;
    },
    refillIn(ms: number, to: number) {
      refillAt = clock.monotonic() + ms;
      clock.setTimer(ms, () => {
        free = to;
        refillAt = Number.POSITIVE_INFINITY;
      });
    },
  };
}

function queue(clock: ManualClock, capacity: Capacity<number>, maxSize = 100, timeoutMs = 60_000) {
  return new UpstreamQueue<number>({ name: 'up', capacity, maxSize, timeoutMs, clock });
}

const noCancel = () => {};

describe('UpstreamQueue', () => {
  test('admits at once while there is room, without a promise', () => {
    const clock = createManualClock();
    const q = queue(clock, slots(clock, 2).capacity);
    const a = q.acquire(ONE, 'normal', noCancel);
    assert.ok(!(a instanceof Promise));
    assert.equal(a.waitedMs, 0);
  });

  test('waits FIFO and is woken when capacity comes back', async () => {
    const clock = createManualClock();
    const s = slots(clock, 1);
    const q = queue(clock, s.capacity);
    q.acquire(ONE, 'normal', noCancel);
    const order: string[] = [];
    const b = Promise.resolve(q.acquire(ONE, 'normal', noCancel)).then(() => order.push('b'));
    const c = Promise.resolve(q.acquire(ONE, 'normal', noCancel)).then(() => order.push('c'));
    assert.equal(q.length, 2);
    clock.advance(250);
    s.release();
    q.wake();
    s.release();
    q.wake();
    await Promise.all([b, c]);
    assert.deepEqual(order, ['b', 'c']);
    assert.equal(q.length, 0);
  });

  test('a higher priority goes first; FIFO within a priority', async () => {
    const clock = createManualClock();
    const s = slots(clock, 1);
    const q = queue(clock, s.capacity);
    q.acquire(ONE, 'normal', noCancel);
    const order: string[] = [];
    const waits = [
      ['low1', 'low'],
      ['normal1', 'normal'],
      ['high1', 'high'],
      ['normal2', 'normal'],
      ['high2', 'high'],
    ].map(([name, p]) => Promise.resolve(q.acquire(ONE, p as 'low', noCancel)).then(() => order.push(name!)));
    for (let i = 0; i < 5; i++) {
      s.release();
      q.wake();
      await Promise.resolve();
    }
    await Promise.all(waits);
    assert.deepEqual(order, ['high1', 'high2', 'normal1', 'normal2', 'low1']);
  });

  test('a request coming back after an upstream refusal goes first in its lane', async () => {
    const clock = createManualClock();
    const s = slots(clock, 1);
    const q = queue(clock, s.capacity);
    q.acquire(ONE, 'normal', noCancel);
    const order: string[] = [];
    const a = Promise.resolve(q.acquire(ONE, 'normal', noCancel)).then(() => order.push('waiting'));
    const b = Promise.resolve(q.acquire(ONE, 'normal', noCancel, 60_000, true)).then(() =>
      order.push('retried'),
    );
    s.release();
    q.wake();
    s.release();
    q.wake();
    await Promise.all([a, b]);
    assert.deepEqual(order, ['retried', 'waiting']);
  });

  test('dispatch follows a timer to the moment the head fits, not a polling loop', async () => {
    const clock = createManualClock();
    const s = slots(clock, 1);
    const q = queue(clock, s.capacity);
    q.acquire(ONE, 'normal', noCancel);
    s.refillIn(2000, 5);
    const admitted = q.acquire(ONE, 'normal', noCancel) as Promise<{ waitedMs: number }>;
    // One refill timer, one deadline timer, one dispatch timer: nothing that fires repeatedly.
    assert.equal(clock.pendingTimers(), 3);
    clock.advance(1999);
    assert.equal(q.length, 1);
    clock.advance(1);
    assert.equal((await admitted).waitedMs, 2000);
  });

  test('the queue deadline: 503 queue_timeout with a Retry-After from the limiter state', async () => {
    const clock = createManualClock();
    const s = slots(clock, 1);
    const q = queue(clock, s.capacity, 100, 5000);
    q.acquire(ONE, 'normal', noCancel);
    s.refillIn(30_000, 1);
    const waiting = q.acquire(ONE, 'normal', noCancel);
    clock.advance(5000);
    await assert.rejects(Promise.resolve(waiting), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.code, 'queue_timeout');
      assert.equal(err.status, 503);
      assert.equal(err.retryAfterSeconds, 25);
      return true;
    });
    assert.equal(q.length, 0);
  });

  test('a full queue refuses at once: 503 queue_full', () => {
    const clock = createManualClock();
    const s = slots(clock, 0);
    s.refillIn(4000, 1);
    const q = queue(clock, s.capacity, 2);
    q.acquire(ONE, 'normal', noCancel);
    q.acquire(ONE, 'normal', noCancel);
    assert.throws(
      () => q.acquire(ONE, 'normal', noCancel),
      (err: unknown) =>
        err instanceof GatewayError && err.code === 'queue_full' && err.retryAfterSeconds === 4,
    );
  });

  test('a request that can never fit is refused at once, not queued', () => {
    const clock = createManualClock();
    const q = queue(clock, slots(clock, 1).capacity);
    assert.throws(
      () => q.acquire({ requests: 1000, inputTokens: 0, outputTokens: 0 }, 'normal', noCancel),
      (err: unknown) => err instanceof GatewayError && err.code === 'request_too_large',
    );
    assert.equal(q.length, 0);
  });

  test('a withdrawn request leaves the queue at once and frees its place', async () => {
    const clock = createManualClock();
    const s = slots(clock, 1);
    const q = queue(clock, s.capacity, 2);
    q.acquire(ONE, 'normal', noCancel);
    let cancelFirst: () => void = () => {};
    const first = Promise.resolve(q.acquire(ONE, 'normal', (c) => (cancelFirst = c)));
    const second = Promise.resolve(q.acquire(ONE, 'normal', noCancel));
    assert.equal(q.length, 2);
    cancelFirst();
    assert.equal(q.length, 1);
    q.acquire(ONE, 'normal', noCancel); // there is room again
    s.release();
    q.wake();
    await second;
    await assert.rejects(first, (err: unknown) => err instanceof ClientGone);
  });

  test('10,000 waiting requests: all served in order, the queue empties', async () => {
    const clock = createManualClock();
    const s = slots(clock, 0);
    const q = queue(clock, s.capacity, 10_000);
    let served = 0;
    let inOrder = true;
    const all = Array.from({ length: 10_000 }, (_, i) =>
      Promise.resolve(q.acquire(ONE, 'normal', noCancel)).then(() => {
        if (served !== i) inOrder = false;
        served++;
      }),
    );
    assert.equal(q.length, 10_000);
    for (let i = 0; i < 10_000; i++) {
      s.release();
      q.wake();
    }
    await Promise.all(all);
    assert.equal(served, 10_000);
    assert.ok(inOrder);
    assert.equal(q.length, 0);
    assert.equal(clock.pendingTimers(), 0, 'no deadline timers left behind');
  });
});
