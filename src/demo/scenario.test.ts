// The demo's setting: a workload sized so a perfectly paced phase takes about the asked duration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoScenario, sustainableRate } from './scenario.ts';
import { buildWorkload, requestTokens } from './workload.ts';

test('the rate is set by the tighter limit for the mix', () => {
  const sample = buildWorkload(60);
  const meanTokens = sample.reduce((s, r) => s + requestTokens(r), 0) / sample.length;
  // Token-bound: 2000 tokens per window hold fewer mean requests than the 8 the request limit allows.
  assert.ok(2000 / meanTokens < 8);
  assert.equal(
    sustainableRate({ requests: 8, tokens: 2000, windowMs: 2000 }, 3, sample),
    (3 * (2000 / meanTokens)) / 2,
  );
  // Request-bound when tokens are plentiful.
  assert.equal(sustainableRate({ requests: 8, tokens: 1e9, windowMs: 2000 }, 3, sample), 12);
});

test('scales the workload with the duration, never below one request per caller', () => {
  const short = demoScenario(1000);
  const usual = demoScenario(12_000);
  const long = demoScenario(60_000);
  assert.equal(short.workload.length, short.clients);
  assert.ok(usual.workload.length > usual.clients);
  assert.ok(Math.abs(long.workload.length / usual.workload.length - 5) < 0.1);
});

test('overloads every key at the start: more callers per key than one window admits', () => {
  const s = demoScenario(12_000);
  assert.ok(s.clients / s.keys.length > s.limits.requests);
  assert.ok(s.keys.length >= 2);
  for (const r of s.workload) assert.ok(requestTokens(r) < s.limits.tokens, 'every request fits a window');
});
