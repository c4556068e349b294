// Sections of features as they arrive: each renders once /stats carries its field, else a placeholder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { laterSectionStates } from './later-sections.js';

test('without their fields, spend, cache and tokens saved are all absent, each saying so', () => {
  const states = laterSectionStates({ totals: {} });
  assert.deepEqual(
    states.map((s) => [s.section.id, s.value]),
    [
      ['spend', undefined],
      ['cache', undefined],
      ['saved', undefined],
    ],
  );
  for (const s of states) assert.match(s.section.absent, /Not reported/);
});

test('each section takes its own field once the gateway sends it; spend takes the cost totals too', () => {
  const cache = { entries: 3, bytes: 2048, hits: 9, misses: 1, hit_ratio: 0.9 };
  const spend = { store: { backend: 'memory', location: null }, timezone: 'UTC', budgets: [] };
  const totals = { cost_usd: 0.25, unpriced: 1 };
  const optimize = { enabled: true, requests: 4, optimized: 1, tokens_saved: 900, saved_percent: 30 };
  const states = laterSectionStates({ cache, spend, totals, optimize });
  assert.deepEqual(
    states.map((s) => s.value),
    [{ spend, totals }, cache, optimize],
  );
});
