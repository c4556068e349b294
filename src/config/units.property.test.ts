// Property-based: the config's units, read from files and environment variables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatDuration, parseDuration, parseRate, parseSize } from './units.ts';

test('a duration written as the config shows it reads back as itself', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 400 * 86_400_000 }), (ms) => {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }),
  );
});

test('any text is a unit or not one, never a throw or a number that makes no sense', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (text) => {
      const d = parseDuration(text);
      assert.ok(d === undefined || (Number.isFinite(d) && d >= 0));
      const s = parseSize(text);
      assert.ok(s === undefined || (Number.isFinite(s) && s >= 0));
      const r = parseRate(text);
      assert.ok(r === undefined || (r.count > 0 && r.perMs > 0 && Number.isFinite(r.count / r.perMs)));
    }),
    { numRuns: 3000 },
  );
});
