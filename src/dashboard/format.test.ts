// How numbers and durations read on the dashboard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatBytes,
  formatCompact,
  formatCount,
  formatDuration,
  formatLatency,
  formatPercent,
  formatUsd,
} from './format.js';

test('counts have thousands separators; compact ones shorten only large numbers', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCompact(9999), '9,999');
  assert.equal(formatCompact(12_345), '12.3k');
  assert.equal(formatCompact(4_560_000), '4.6M');
});

test('latency in ms below a second, in seconds above; none is a dash', () => {
  assert.equal(formatLatency(87.25), '87.3 ms');
  assert.equal(formatLatency(1234), '1.2 s');
  assert.equal(formatLatency(undefined), '–');
});

test('durations: tenths below ten seconds, then seconds, minutes, hours, days', () => {
  assert.equal(formatDuration(4230), '4.2 s');
  assert.equal(formatDuration(-5), '0.0 s');
  assert.equal(formatDuration(42_900), '42 s');
  assert.equal(formatDuration(60_000), '1 m');
  assert.equal(formatDuration(65_000), '1 m 05 s');
  assert.equal(formatDuration(7_380_000), '2 h 03 m');
  assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3 d 4 h');
});

test('bytes, dollars and ratios', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(5 * 1024 ** 2), '5 MB');
  assert.equal(formatUsd(12.345), '$12.35');
  assert.equal(formatUsd(0.0042), '$0.0042');
  assert.equal(formatUsd(0), '$0.00');
  assert.equal(formatPercent(0.734), '73.4%');
});
