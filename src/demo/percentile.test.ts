// Nearest-rank percentiles of latency samples.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile } from './percentile.ts';

test('the smallest sample with at least p% of the samples at or below it', () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1, unsorted
  assert.equal(percentile(samples, 50), 50);
  assert.equal(percentile(samples, 99), 99);
  assert.equal(percentile(samples, 100), 100);
  assert.equal(percentile([7, 1, 3], 50), 3);
  assert.equal(percentile([7, 1, 3], 99), 7);
});

test('one sample is every percentile; none is NaN; the input is left as it was', () => {
  assert.equal(percentile([42], 1), 42);
  assert.equal(percentile([42], 99), 42);
  assert.ok(Number.isNaN(percentile([], 50)));
  const samples = [3, 1, 2];
  percentile(samples, 50);
  assert.deepEqual(samples, [3, 1, 2]);
});
