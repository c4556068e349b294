import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BudgetPeriod, isBudgetPeriod, PeriodCalendar } from './budget-period.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The span as readable ISO instants, plus its length in hours. */
function show(cal: PeriodCalendar, period: BudgetPeriod, at: number) {
  const s = cal.span(period, at);
  return { start: iso(s.start), end: iso(s.end), label: s.label, hours: (s.end - s.start) / HOUR };
}

test('UTC spans of each period, with the label naming the instance', () => {
  const cal = new PeriodCalendar();
  const at = Date.UTC(2026, 11, 2, 5, 17, 42, 123);
  assert.deepEqual(show(cal, 'hourly', at), {
    start: '2026-12-02T05:00:00.000Z',
    end: '2026-12-02T06:00:00.000Z',
    label: '2026-12-02T05',
    hours: 1,
  });
  assert.deepEqual(show(cal, 'daily', at), {
    start: '2026-12-02T00:00:00.000Z',
    end: '2026-12-03T00:00:00.000Z',
    label: '2026-12-02',
    hours: 24,
  });
  assert.deepEqual(show(cal, 'weekly', at), {
    start: '2026-11-30T00:00:00.000Z',
    end: '2026-12-07T00:00:00.000Z',
    label: '2026-W49',
    hours: 168,
  });
  assert.deepEqual(show(cal, 'monthly', at), {
    start: '2026-12-01T00:00:00.000Z',
    end: '2027-01-01T00:00:00.000Z',
    label: '2026-12',
    hours: 31 * 24,
  });
});

test('the last millisecond of a period is in it, the next one starts the next period', () => {
  const cal = new PeriodCalendar('UTC');
  for (const period of ['hourly', 'daily', 'weekly', 'monthly'] as const) {
    const first = cal.span(period, Date.UTC(2026, 11, 2, 5));
    const lastMs = cal.span(period, first.end - 1);
    const next = cal.span(period, first.end);
    assert.equal(lastMs.label, first.label, period);
    assert.equal(next.start, first.end, period);
    assert.notEqual(next.label, first.label, period);
  }
});

test('ISO weeks start on Monday and belong to the year of their Thursday', () => {
  const cal = new PeriodCalendar();
  assert.deepEqual(show(cal, 'weekly', Date.UTC(2026, 11, 31, 12)), {
    start: '2026-12-28T00:00:00.000Z',
    end: '2027-01-04T00:00:00.000Z',
    label: '2026-W53',
    hours: 168,
  });
  assert.equal(cal.span('weekly', Date.UTC(2027, 0, 3, 23, 59)).label, '2026-W53');
  assert.equal(cal.span('weekly', Date.UTC(2027, 0, 4)).label, '2027-W01');
  // 2025-12-29 is a Monday whose Thursday is 2026-01-01.
  assert.equal(cal.span('weekly', Date.UTC(2025, 11, 29)).label, '2026-W01');
  assert.equal(cal.span('weekly', Date.UTC(2025, 11, 28)).label, '2025-W52');
});

test('a month across February of a leap year', () => {
  const cal = new PeriodCalendar();
  assert.deepEqual(show(cal, 'monthly', Date.UTC(2028, 1, 29, 23, 59, 59, 999)), {
    start: '2028-02-01T00:00:00.000Z',
    end: '2028-03-01T00:00:00.000Z',
    label: '2028-02',
    hours: 29 * 24,
  });
  assert.equal(cal.span('monthly', Date.UTC(2027, 1, 15)).end, Date.UTC(2027, 2, 1));
});

test('Berlin days start at local midnight; DST days last 23 and 25 hours', () => {
  const cal = new PeriodCalendar('Europe/Berlin');
  assert.deepEqual(show(cal, 'daily', Date.UTC(2026, 2, 29, 12)), {
    start: '2026-03-28T23:00:00.000Z',
    end: '2026-03-29T22:00:00.000Z',
    label: '2026-03-29',
    hours: 23,
  });
  assert.deepEqual(show(cal, 'daily', Date.UTC(2026, 9, 25, 12)), {
    start: '2026-10-24T22:00:00.000Z',
    end: '2026-10-25T23:00:00.000Z',
    label: '2026-10-25',
    hours: 25,
  });
  // 23:30 UTC on the 24th is already the 25th in Berlin.
  assert.equal(cal.span('daily', Date.UTC(2026, 9, 24, 22, 30)).label, '2026-10-25');
  // The skipped hour 02 has no span: 01 runs into 03.
  const one = cal.span('hourly', Date.UTC(2026, 2, 29, 0, 30));
  assert.equal(one.label, '2026-03-29T01');
  assert.equal(cal.span('hourly', one.end).label, '2026-03-29T03');
  // The repeated hour 02 is one span of two hours, so its label names one instance.
  assert.deepEqual(show(cal, 'hourly', Date.UTC(2026, 9, 25, 1, 30)), {
    start: '2026-10-25T00:00:00.000Z',
    end: '2026-10-25T02:00:00.000Z',
    label: '2026-10-25T02',
    hours: 2,
  });
});

test('Kolkata (+05:30): days and hours turn at half past the UTC hour', () => {
  const cal = new PeriodCalendar('Asia/Kolkata');
  const at = Date.UTC(2026, 11, 2, 20); // 01:30 on the 3rd in Kolkata
  assert.deepEqual(show(cal, 'daily', at), {
    start: '2026-12-02T18:30:00.000Z',
    end: '2026-12-03T18:30:00.000Z',
    label: '2026-12-03',
    hours: 24,
  });
  assert.deepEqual(show(cal, 'hourly', at), {
    start: '2026-12-02T19:30:00.000Z',
    end: '2026-12-02T20:30:00.000Z',
    label: '2026-12-03T01',
    hours: 1,
  });
  assert.equal(cal.span('monthly', at).start, Date.UTC(2026, 10, 30, 18, 30));
});

test('Lord Howe: a 30-minute DST shift makes 24.5- and 23.5-hour days', () => {
  const cal = new PeriodCalendar('Australia/Lord_Howe');
  // 2026-04-05: 02:00 (+11) goes back to 01:30 (+10:30).
  assert.deepEqual(show(cal, 'daily', Date.UTC(2026, 3, 5, 3)), {
    start: '2026-04-04T13:00:00.000Z',
    end: '2026-04-05T13:30:00.000Z',
    label: '2026-04-05',
    hours: 24.5,
  });
  // 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11); the hour 02 lasts half an hour.
  assert.equal(show(cal, 'daily', Date.UTC(2026, 9, 4, 3)).hours, 23.5);
  assert.deepEqual(show(cal, 'hourly', Date.UTC(2026, 9, 3, 15, 45)), {
    start: '2026-10-03T15:30:00.000Z',
    end: '2026-10-03T16:00:00.000Z',
    label: '2026-10-04T02',
    hours: 0.5,
  });
});

test('an unknown time zone is refused by name', () => {
  assert.throws(() => new PeriodCalendar('Mars/Olympus_Mons'), /unknown time zone "Mars\/Olympus_Mons"/);
  assert.equal(new PeriodCalendar('europe/berlin').timeZone, 'Europe/Berlin');
});

test('within a span the same object comes back; past its end a new one', () => {
  const cal = new PeriodCalendar('Europe/Berlin');
  const first = cal.span('daily', Date.UTC(2026, 5, 1, 8));
  assert.equal(cal.span('daily', first.start), first);
  assert.equal(cal.span('daily', first.end - 1), first);
  const hour = cal.span('hourly', first.start);
  assert.equal(cal.span('daily', first.start + 1), first, 'other periods keep their own memo');
  assert.notEqual(hour, first);
  const next = cal.span('daily', first.end);
  assert.notEqual(next, first);
  assert.equal(next.start, first.end);
  assert.throws(() => cal.span('daily', Number.NaN), RangeError);
});

test('isBudgetPeriod knows the four periods and nothing else', () => {
  assert.ok(isBudgetPeriod('hourly') && isBudgetPeriod('weekly') && isBudgetPeriod('monthly'));
  assert.ok(isBudgetPeriod('daily'));
  assert.ok(!isBudgetPeriod('yearly') && !isBudgetPeriod('Daily') && !isBudgetPeriod(''));
});
