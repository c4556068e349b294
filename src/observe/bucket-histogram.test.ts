import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.ts';

test('a value counts in the first bucket whose bound it does not exceed, and every bucket above', async () => {
  const registry = new Registry();
  const h = new BucketHistogram(registry, {
    name: 'x_seconds',
    help: 'x',
    label: 'upstream',
    buckets: [0, 0.1, 1],
  });
  const a = h.series('a');
  for (const v of [0, 0.1, 0.5, 2]) a.observe(v);
  assert.equal(h.series('a'), a, 'a series is made once');
  const text = await registry.metrics();
  assert.ok(text.includes('# TYPE x_seconds histogram'));
  for (const line of [
    'x_seconds_bucket{upstream="a",le="0"} 1',
    'x_seconds_bucket{upstream="a",le="0.1"} 2',
    'x_seconds_bucket{upstream="a",le="1"} 3',
    'x_seconds_bucket{upstream="a",le="+Inf"} 4',
    'x_seconds_sum{upstream="a"} 2.6',
    'x_seconds_count{upstream="a"} 4',
  ])
    assert.ok(text.includes(line), line);
});
