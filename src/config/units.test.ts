// Tests for the config's human units: durations, sizes, rates, and formatting durations back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, parseDuration, parseRate, parseSize } from './units.ts';

describe('parseDuration', () => {
  test('reads every unit', () => {
    const cases: Array<[string, number]> = [
      ['100ms', 100],
      ['5s', 5000],
      ['5m', 300_000],
      ['1h', 3_600_000],
      ['1d', 86_400_000],
      ['0s', 0],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  });

  test('reads fractions and rounds to whole milliseconds', () => {
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('0.5m'), 30_000);
    assert.equal(parseDuration('2.5ms'), 3);
  });

  test('takes a bare number, as a number or as text, as milliseconds', () => {
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration(0), 0);
    assert.equal(parseDuration(1.5), 1.5);
    assert.equal(parseDuration('250ms'), 250);
    // `${VAR}` gives strings: a bare number in text is milliseconds too.
    assert.equal(parseDuration('1500'), 1500);
  });

  test('allows surrounding whitespace and a space before the unit', () => {
    assert.equal(parseDuration(' 5s '), 5000);
    assert.equal(parseDuration('5 s'), 5000);
  });

  test('rejects unknown units, negatives, empty text and a unit alone', () => {
    for (const text of ['5x', '-1s', '', 's', '5S', '5 sec', '1e3ms', 'ms5', '5s5']) {
      assert.equal(parseDuration(text), undefined, JSON.stringify(text));
    }
  });

  test('rejects negative and non-finite numbers', () => {
    assert.equal(parseDuration(-1), undefined);
    assert.equal(parseDuration(Number.NaN), undefined);
    assert.equal(parseDuration(Number.POSITIVE_INFINITY), undefined);
  });
});

describe('parseSize', () => {
  test('reads kb, mb and gb as powers of 1024', () => {
    assert.equal(parseSize('512kb'), 512 * 1024);
    assert.equal(parseSize('10mb'), 10 * 1024 * 1024);
    assert.equal(parseSize('1gb'), 1024 ** 3);
    assert.equal(parseSize('100b'), 100);
  });

  test('ignores the case of the unit', () => {
    assert.equal(parseSize('10MB'), 10 * 1024 * 1024);
    assert.equal(parseSize('1Gb'), 1024 ** 3);
  });

  test('takes a bare number, as a number or as text, as bytes', () => {
    assert.equal(parseSize(4096), 4096);
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize(0), 0);
  });

  test('reads a fractional size and floors it to whole bytes', () => {
    assert.equal(parseSize('1.5kb'), 1536);
    assert.equal(parseSize('0.3kb'), 307);
  });

  test('rejects unknown units, negatives and empty text', () => {
    for (const text of ['1tb', '-5', '', 'kb', '10 megabytes', '5x']) {
      assert.equal(parseSize(text), undefined, JSON.stringify(text));
    }
  });

  test('rejects a number that is not a whole count of bytes', () => {
    assert.equal(parseSize(1.5), undefined);
    assert.equal(parseSize(-5), undefined);
    assert.equal(parseSize(Number.NaN), undefined);
  });
});

describe('parseRate', () => {
  test('reads a count per unit', () => {
    assert.deepEqual(parseRate('10/s'), { count: 10, perMs: 1000 });
    assert.deepEqual(parseRate('100/m'), { count: 100, perMs: 60_000 });
    assert.deepEqual(parseRate('1000/h'), { count: 1000, perMs: 3_600_000 });
    assert.deepEqual(parseRate('5/d'), { count: 5, perMs: 86_400_000 });
  });

  test('reads a count per several units', () => {
    assert.deepEqual(parseRate('5/10s'), { count: 5, perMs: 10_000 });
    assert.deepEqual(parseRate('1/500ms'), { count: 1, perMs: 500 });
    assert.deepEqual(parseRate('3 / 2m'), { count: 3, perMs: 120_000 });
  });

  test('takes a bare positive number as a count per second', () => {
    assert.deepEqual(parseRate(10), { count: 10, perMs: 1000 });
    assert.equal(parseRate(0), undefined);
    assert.equal(parseRate(-1), undefined);
    assert.equal(parseRate(Number.POSITIVE_INFINITY), undefined);
  });

  test('rejects a zero count, zero period, text without a period and unknown units', () => {
    for (const text of ['0/s', '10/0s', '10', '10/x', '', '/s', '10/', '-1/s', '10/S']) {
      assert.equal(parseRate(text), undefined, JSON.stringify(text));
    }
  });
});

describe('formatDuration', () => {
  test('uses the largest unit that divides the value exactly', () => {
    const cases: Array<[number, string]> = [
      [100, '100ms'],
      [1500, '1500ms'],
      [5000, '5s'],
      [90_000, '90s'],
      [300_000, '5m'],
      [3_600_000, '1h'],
      [5_400_000, '90m'],
      [86_400_000, '1d'],
      [172_800_000, '2d'],
    ];
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
  });

  test('writes zero as milliseconds', () => {
    assert.equal(formatDuration(0), '0ms');
  });

  test('round-trips through parseDuration', () => {
    for (const ms of [0, 1, 100, 999, 1000, 1500, 60_000, 61_000, 3_600_000, 86_400_000, 90_061_001]) {
      assert.equal(parseDuration(formatDuration(ms)), ms, String(ms));
    }
    for (const text of ['100ms', '5s', '5m', '1h', '1d']) {
      assert.equal(formatDuration(parseDuration(text)!), text);
    }
  });
});
