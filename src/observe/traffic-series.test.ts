import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketOf, quantileMs, upperBoundMs } from './latency-buckets.ts';
import { SERIES_SECONDS, TrafficSeries } from './traffic-series.ts';

const sample = (ms: number, extra: Partial<Parameters<TrafficSeries['record']>[1]> = {}) => ({
  ms,
  failed: false,
  upstream429s: 0,
  absorbed: false,
  queueMs: 0,
  ...extra,
});

test('a latency falls in a bucket whose upper bound is at most 19% above it', () => {
  for (const ms of [0.3, 1, 7.5, 42, 999, 12_345, 300_000]) {
    const bound = upperBoundMs(bucketOf(ms));
    assert.ok(bound >= ms && bound <= ms * 1.19, `${ms} -> ${bound}`);
  }
  assert.equal(bucketOf(0), 0);
  assert.equal(bucketOf(Number.NaN), 0);
  assert.equal(bucketOf(1e12), bucketOf(1e9), 'past the last bucket: the last bucket');
});

test('quantiles come from the counts', () => {
  const counts = new Uint32Array(88);
  counts[bucketOf(10)] = 98;
  counts[bucketOf(500)] = 2;
  assert.equal(quantileMs(counts, 0, 0.5), Math.round(upperBoundMs(bucketOf(10)) * 10) / 10);
  assert.ok(quantileMs(counts, 0, 0.99)! >= 500);
  assert.equal(quantileMs(new Uint32Array(88), 0, 0.5), undefined);
});

test('seconds are kept apart, empty seconds are listed, old seconds are overwritten', () => {
  const series = new TrafficSeries();
  const t0 = 1_700_000_000_000;
  series.record(t0, sample(10));
  series.record(t0 + 200, sample(20, { failed: true, upstream429s: 2, absorbed: true, queueMs: 30 }));
  series.record(t0 + 2000, sample(5));
  const last = series.last(t0 + 2500, 3);
  assert.deepEqual(
    last.map((s) => [s.t, s.requests, s.errors, s.upstream_429s, s.absorbed_429s]),
    [
      [t0 / 1000, 2, 1, 2, 1],
      [t0 / 1000 + 1, 0, 0, 0, 0],
      [t0 / 1000 + 2, 1, 0, 0, 0],
    ],
  );
  assert.equal(last[0]!.queue_ms, 15);
  assert.ok(last[0]!.p99_ms! >= 20 && last[0]!.p50_ms! >= 10);
  // A full ring later the same slot holds a new second: the old counts are gone.
  const later = t0 + SERIES_SECONDS * 1000;
  series.record(later, sample(1));
  assert.equal(series.last(later, 1)[0]!.requests, 1);
  assert.equal(series.last(later, SERIES_SECONDS).length, SERIES_SECONDS);
  assert.equal(
    series.last(later, SERIES_SECONDS)[0]!.requests,
    0,
    'the second before wrapped around is empty',
  );
  assert.deepEqual(series.quantiles(later + 70_000, 60), {});
});
