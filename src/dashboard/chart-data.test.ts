// The series as chart columns: gaps where nothing was measured, nothing before the gateway started.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartData, sinceStart } from './chart-data.js';

const empty = (t: number) => ({ t, requests: 0, errors: 0, upstream_429s: 0, absorbed_429s: 0 });

test('one column per line; seconds without requests have no latency, not a zero', () => {
  const series = [
    empty(100),
    {
      t: 101,
      requests: 4,
      errors: 1,
      upstream_429s: 2,
      absorbed_429s: 1,
      p50_ms: 80,
      p99_ms: 300,
      queue_ms: 12,
    },
  ];
  const d = chartData(series, new Map([[101, 7]]));
  assert.deepEqual(d.t, [100, 101]);
  assert.deepEqual(d.requests, [0, 4]);
  assert.deepEqual(d.errors, [0, 1]);
  assert.deepEqual(d.p50, [null, 80]);
  assert.deepEqual(d.p99, [null, 300]);
  assert.deepEqual(d.queueMs, [null, 12]);
  assert.deepEqual(d.depth, [null, 7]);
  assert.deepEqual(d.upstream429s, [0, 2]);
  assert.deepEqual(d.absorbed429s, [0, 1]);
});

test('only the seconds since the gateway started are drawn', () => {
  const series = Array.from({ length: 300 }, (_, i) => empty(1000 + i));
  const recent = sinceStart(series, 10);
  assert.equal(recent.length, 11);
  assert.equal(recent[0]!.t, 1289);
  assert.equal(sinceStart(series, 3600).length, 300);
  assert.deepEqual(sinceStart([], 5), []);
});
