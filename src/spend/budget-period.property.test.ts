// Property-based: in any zone the runtime knows, each period's spans tile time with distinct labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PeriodCalendar } from './budget-period.ts';

const zones = Intl.supportedValuesOf('timeZone');

test('a span contains its instant, meets its neighbours exactly and is named apart from them', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...zones),
      fc.constantFrom('hourly', 'daily', 'weekly', 'monthly' as const),
      fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }),
      (zone, period, at) => {
        const cal = new PeriodCalendar(zone);
        const span = cal.span(period, at);
        assert.ok(span.start <= at && at < span.end, `${zone} ${period} ${at}`);
        const before = cal.span(period, span.start - 1);
        const after = cal.span(period, span.end);
        assert.equal(before.end, span.start);
        assert.equal(after.start, span.end);
        assert.ok(before.label < span.label && span.label < after.label, `${zone} ${period} ${span.label}`);
      },
    ),
    { numRuns: 500 },
  );
});
