// Concurrent callers working through a list: each item once, at most `callers` at a time, every outcome kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCallers } from './callers.ts';

test('each item is called once, by at most `callers` callers at a time', async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  const run = await runCallers(
    Array.from({ length: 25 }, (_, i) => i),
    4,
    async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      seen.push(item);
      await Promise.resolve();
      inFlight--;
    },
  );
  assert.equal(most, 4);
  assert.deepEqual(
    seen.sort((a, b) => a - b),
    Array.from({ length: 25 }, (_, i) => i),
  );
  assert.equal(run.outcomes.length, 25);
  assert.ok(run.outcomes.every((o) => o.ok));
});

test('a failure is an outcome with its HTTP status; timing comes from the given clock', async () => {
  let t = 1000;
  const settled: number[] = [];
  const run = await runCallers(
    ['ok', 'refused', 'broken'],
    1,
    async (item) => {
      t += 10;
      if (item === 'refused') throw Object.assign(new Error('429'), { status: 429 });
      if (item === 'broken') throw new Error('socket hang up');
    },
    { now: () => t, onSettled: (o) => settled.push(o.index) },
  );
  assert.deepEqual(
    run.outcomes.map((o) => [o.index, o.ok, o.status, o.ms, o.endedAt]),
    [
      [0, true, undefined, 10, 10],
      [1, false, 429, 10, 20],
      [2, false, undefined, 10, 30],
    ],
  );
  assert.deepEqual(settled, [0, 1, 2]);
  assert.equal(run.wallMs, 30);
});

test('more callers than items: the extra callers do nothing', async () => {
  const callers = new Set<number>();
  const run = await runCallers([1, 2], 10, async (_item, caller) => {
    callers.add(caller);
  });
  assert.equal(run.outcomes.length, 2);
  assert.ok([...callers].every((c) => c < 2));
});
