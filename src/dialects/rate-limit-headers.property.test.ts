// Property-based: rate-limit headers are the upstream's words, and an upstream may send anything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { anthropicHeaders } from './anthropic.ts';
import { cerebras } from './cerebras.ts';
import { openaiHeaders } from './openai.ts';
import { readRateLimits } from './rate-limit-headers.ts';

const NOW = Date.UTC(2026, 0, 1);
const YEAR_MS = 365 * 86_400_000;

const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom(
    '1s',
    '6m0s',
    '-5',
    '1e309',
    'NaN',
    '2026-01-01T00:00:10Z',
    'Wed, 21 Oct 2015 07:28:00 GMT',
    '',
  ),
);

test('whatever the values, a reading is numbers that make sense, or nothing', () => {
  const specs = [...openaiHeaders, ...anthropicHeaders, ...cerebras.rateLimitHeaders];
  const names = [
    ...new Set(specs.flatMap((s) => [s.limit, s.remaining, s.reset])),
    'retry-after',
    'retry-after-ms',
    'date',
  ];
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...names), value), (headers) => {
      const reading = readRateLimits(specs, headers, NOW);
      for (const w of reading.windows) {
        if (w.limit !== undefined) assert.ok(Number.isFinite(w.limit) && w.limit > 0, `limit ${w.limit}`);
        if (w.remaining !== undefined)
          assert.ok(Number.isFinite(w.remaining) && w.remaining >= 0, `remaining ${w.remaining}`);
        if (w.resetAt !== undefined)
          assert.ok(
            Number.isFinite(w.resetAt) && Math.abs(w.resetAt - NOW) < 10 * YEAR_MS,
            `reset ${w.resetAt}`,
          );
      }
      if (reading.retryAfterMs !== undefined)
        assert.ok(Number.isFinite(reading.retryAfterMs) && reading.retryAfterMs >= 0);
      for (const r of reading.rejected) assert.ok(r.length < 200, 'what is quoted back is short');
    }),
    { numRuns: 3000 },
  );
});
