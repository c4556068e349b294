import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pace } from './pace.ts';

test('spaces requests at the rate after a burst', () => {
  const pace = new Pace({ count: 10, perMs: 1000 }, 3);
  const times: number[] = [];
  let now = 0;
  while (times.length < 8) {
    const wait = pace.waitFor(now);
    if (wait > 0) {
      now += wait;
      continue;
    }
    pace.take(now);
    times.push(now);
  }
  assert.deepEqual(times, [0, 0, 0, 100, 200, 300, 400, 500]);
});

test('an idle bucket refills to the burst, never beyond', () => {
  const pace = new Pace({ count: 1, perMs: 1000 }, 2);
  pace.take(0);
  pace.take(0);
  assert.equal(pace.waitFor(0), 1000);
  assert.equal(pace.waitFor(60_000), 0);
  pace.take(60_000);
  pace.take(60_000);
  assert.equal(pace.waitFor(60_000), 1000);
});
