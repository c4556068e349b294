// Sections of later features: placeholders until /stats carries their fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { laterSectionStates } from './later-sections.js';

test('today: cache, spend and tokens saved are all absent', () => {
  const states = laterSectionStates({ totals: { tokens: {} } });
  assert.deepEqual(
    states.map((s) => [s.section.id, s.value]),
    [
      ['cache', undefined],
      ['spend', undefined],
      ['saved', undefined],
    ],
  );
  for (const s of states) assert.match(s.section.absent, /later release/);
});

test('each section takes its own field once the gateway sends it', () => {
  const cache = { entries: 3, bytes: 2048, hits: 9, misses: 1, hit_ratio: 0.9 };
  const spend = { total_usd: 1.25, budgets: [] };
  const states = laterSectionStates({ cache, spend, totals: { tokens: { saved: 0 } } });
  assert.deepEqual(
    states.map((s) => s.value),
    [cache, spend, 0],
  );
});
