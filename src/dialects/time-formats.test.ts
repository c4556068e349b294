// Tests for the rate-limit time-format parsers: every accepted shape and the malformed ones they must refuse.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseGoDuration,
  parseHttpDate,
  parseRetryAfter,
  parseRfc3339,
  parseSeconds,
} from './time-formats.ts';

// Fri, 21 Aug 2026 12:40:58 GMT: the Anthropic A1 example's `date`.
const NOW = Date.UTC(2026, 7, 21, 12, 40, 58);

describe('parseGoDuration', () => {
  test('reads the durations OpenAI and Groq send', () => {
    const cases: Array<[string, number]> = [
      ['1s', 1000],
      ['6m0s', 360_000],
      ['12ms', 12],
      ['9ms', 9],
      ['24ms', 24],
      ['7.66s', 7660],
      ['1.56s', 1560],
      ['55.572s', 55_572],
      ['2m59.56s', 179_560],
      ['19m42s', 1_182_000],
      ['5m45.6s', 345_600],
      ['1h2m3.5s', 3_723_500],
      ['24h0m0s', 86_400_000],
      ['0s', 0],
      ['0', 0],
    ];
    for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  });

  test('reads the sub-millisecond units, in either micro sign', () => {
    assert.equal(parseGoDuration('1500us'), 1.5);
    assert.equal(parseGoDuration('1500\u00b5s'), 1.5);
    assert.equal(parseGoDuration('1500\u03bcs'), 1.5);
    assert.equal(parseGoDuration('2500000ns'), 2.5);
    assert.equal(parseGoDuration('1s500ms'), 1500);
  });

  test('tolerates surrounding whitespace and a bare leading or trailing dot', () => {
    assert.equal(parseGoDuration(' 3.8s '), 3800);
    assert.equal(parseGoDuration('.5s'), 500);
    assert.equal(parseGoDuration('5.s'), 5000);
  });

  test('rejects empty, negative, unitless, garbage and trailing junk', () => {
    const bad = [
      '',
      ' ',
      '-1s',
      '+1s',
      '-0s',
      '12',
      '1.5',
      's',
      '.s',
      '1x',
      '1sx',
      '1s ms',
      '1 s',
      '1m0',
      '1d',
      'abc',
      'NaN',
      'Infinitys',
      '1e3s',
      '1..5s',
      `${'9'.repeat(400)}h`,
    ];
    for (const text of bad) assert.equal(parseGoDuration(text), undefined, JSON.stringify(text));
  });
});

describe('parseSeconds', () => {
  test('reads plain and fractional seconds', () => {
    assert.equal(parseSeconds('2'), 2000);
    assert.equal(parseSeconds('11.382867097854614'), 11_382.867098);
    assert.equal(parseSeconds('33011.38'), 33_011_380);
    assert.equal(parseSeconds('0'), 0);
    assert.equal(parseSeconds(' 24 '), 24_000);
  });

  test('rejects negatives, empty and non-numeric text', () => {
    for (const text of [
      '',
      ' ',
      '-1',
      '-0.5',
      '+2',
      'abc',
      '1s',
      '1e3',
      '0x10',
      'Infinity',
      'NaN',
      '1.2.3',
      '.',
    ]) {
      assert.equal(parseSeconds(text), undefined, JSON.stringify(text));
    }
    assert.equal(parseSeconds('9'.repeat(400)), undefined);
  });
});

describe('parseRfc3339', () => {
  test('reads UTC instants, with or without fractional seconds', () => {
    assert.equal(parseRfc3339('2026-08-21T12:40:59Z'), Date.UTC(2026, 7, 21, 12, 40, 59));
    assert.equal(parseRfc3339('2026-08-21T12:40:59.250Z'), Date.UTC(2026, 7, 21, 12, 40, 59, 250));
    assert.equal(parseRfc3339('2026-08-21t12:40:59z'), Date.UTC(2026, 7, 21, 12, 40, 59));
    assert.equal(parseRfc3339('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  });

  test('applies offsets', () => {
    assert.equal(parseRfc3339('2026-08-21T14:40:59+02:00'), Date.UTC(2026, 7, 21, 12, 40, 59));
    assert.equal(parseRfc3339('2026-08-21T07:10:59.5-05:30'), Date.UTC(2026, 7, 21, 12, 40, 59, 500));
    assert.equal(parseRfc3339('2026-08-21T12:40:59-00:00'), Date.UTC(2026, 7, 21, 12, 40, 59));
  });

  test('rejects what is not RFC 3339, even where Date.parse would accept it', () => {
    const bad = [
      '',
      '2026-08-21',
      '2026-08-21T12:40:59',
      '2026-08-21 12:40:59Z',
      '2026-08-21T12:40Z',
      '2026-8-21T12:40:59Z',
      '1787316059',
      'Fri, 21 Aug 2026 12:40:59 GMT',
      'August 21, 2026',
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-08-21T24:00:00Z',
      '2026-08-21T12:60:00Z',
      '2026-08-21T12:40:59+24:00',
      '2026-08-21T12:40:59+0200',
      '2026-08-21T12:40:59Zjunk',
    ];
    for (const text of bad) assert.equal(parseRfc3339(text), undefined, JSON.stringify(text));
  });
});

describe('parseHttpDate', () => {
  test('reads IMF-fixdate', () => {
    assert.equal(parseHttpDate('Wed, 21 Oct 2026 07:28:00 GMT'), Date.UTC(2026, 9, 21, 7, 28, 0));
    assert.equal(parseHttpDate('Fri, 21 Aug 2026 12:40:58 GMT'), NOW);
  });

  test('reads the obsolete RFC 850 and asctime forms recipients must accept', () => {
    assert.equal(parseHttpDate('Wednesday, 21-Oct-26 07:28:00 GMT'), Date.UTC(2026, 9, 21, 7, 28, 0));
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), Date.UTC(1994, 10, 6, 8, 49, 37));
    assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), Date.UTC(1994, 10, 6, 8, 49, 37));
    assert.equal(parseHttpDate('Wed Oct 21 07:28:00 2026'), Date.UTC(2026, 9, 21, 7, 28, 0));
  });

  test('rejects malformed dates', () => {
    const bad = [
      '',
      '2026-10-21T07:28:00Z',
      'Wed, 21 Oct 2026 07:28:00',
      'Wed, 21 Oct 2026 07:28:00 UTC',
      'Wed, 21 Foo 2026 07:28:00 GMT',
      'Wed, 32 Oct 2026 07:28:00 GMT',
      'Wed, 21 Oct 2026 25:28:00 GMT',
      'Wed, 1 Oct 2026 07:28:00 GMT',
      '1787316058',
      'tomorrow',
    ];
    for (const text of bad) assert.equal(parseHttpDate(text), undefined, JSON.stringify(text));
  });
});

describe('parseRetryAfter', () => {
  test('reads delay seconds, integer or fractional', () => {
    assert.equal(parseRetryAfter('3', NOW), 3000);
    assert.equal(parseRetryAfter('24', NOW), 24_000);
    assert.equal(parseRetryAfter('1.5', NOW), 1500);
    assert.equal(parseRetryAfter('0', NOW), 0);
  });

  test('reads an HTTP-date as the time from now until then', () => {
    assert.equal(parseRetryAfter('Fri, 21 Aug 2026 12:41:28 GMT', NOW), 30_000);
  });

  test('a date in the past means retry now', () => {
    assert.equal(parseRetryAfter('Fri, 21 Aug 2026 12:40:00 GMT', NOW), 0);
  });

  test('rejects negatives and garbage', () => {
    for (const text of ['', '-3', 'soon', '3s', '2026-08-21T12:41:28Z']) {
      assert.equal(parseRetryAfter(text, NOW), undefined, JSON.stringify(text));
    }
  });
});
