// Tests for readRateLimits against the providers' real header sets (reference §6) and untrustworthy values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anthropicHeaders } from './anthropic.ts';
import { cerebrasHeaders } from './cerebras.ts';
import { genericHeaders } from './generic.ts';
import { groqHeaders } from './groq.ts';
import { nvidia } from './nvidia.ts';
import { openaiHeaders } from './openai.ts';
import { readRateLimits } from './rate-limit-headers.ts';
import type {
  HeaderBag,
  LimitDimension,
  LimitWindow,
  RateLimitHeaderSpec,
  RateLimitReading,
  RateLimitWindowState,
} from './types.ts';

// Fri, 21 Aug 2026 12:40:58 GMT, the `date` of the Anthropic A1 example. Never the real clock.
const NOW = Date.UTC(2026, 7, 21, 12, 40, 58);
const DATE = 'Fri, 21 Aug 2026 12:40:58 GMT';
const HOUR = 3_600_000;

function find(
  reading: RateLimitReading,
  dimension: LimitDimension,
  window: LimitWindow,
): RateLimitWindowState {
  const found = reading.windows.find((w) => w.dimension === dimension && w.window === window);
  assert.ok(found, `no ${dimension}/${window} window in ${JSON.stringify(reading)}`);
  return found;
}

function assertRejected(reading: RateLimitReading, expected: string): void {
  assert.ok(
    reading.rejected.includes(expected),
    `${JSON.stringify(expected)} not in ${JSON.stringify(reading.rejected)}`,
  );
}

describe('OpenAI', () => {
  test('O1: healthy, millisecond resets', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'content-type': 'application/json',
        'x-request-id': 'req_5f0c2b7d9e1a4c3b8f6e0d2a1b3c4d5e',
        'openai-processing-ms': '742',
        'x-ratelimit-limit-requests': '5000',
        'x-ratelimit-limit-tokens': '2000000',
        'x-ratelimit-remaining-requests': '4998',
        'x-ratelimit-remaining-tokens': '1998765',
        'x-ratelimit-reset-requests': '24ms',
        'x-ratelimit-reset-tokens': '37ms',
      },
      NOW,
    );
    assert.deepEqual(reading, {
      windows: [
        { dimension: 'requests', window: 'minute', limit: 5000, remaining: 4998, resetAt: NOW + 24 },
        { dimension: 'tokens', window: 'minute', limit: 2_000_000, remaining: 1_998_765, resetAt: NOW + 37 },
      ],
      rejected: [],
    });
  });

  test('O2: token bucket nearly empty, fractional-second resets', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-limit-tokens': '30000',
        'x-ratelimit-remaining-requests': '487',
        'x-ratelimit-remaining-tokens': '2214',
        'x-ratelimit-reset-requests': '1.56s',
        'x-ratelimit-reset-tokens': '55.572s',
      },
      NOW,
    );
    assert.deepEqual(reading, {
      windows: [
        { dimension: 'requests', window: 'minute', limit: 500, remaining: 487, resetAt: NOW + 1560 },
        { dimension: 'tokens', window: 'minute', limit: 30_000, remaining: 2214, resetAt: NOW + 55_572 },
      ],
      rejected: [],
    });
  });

  test('O3: 429 with retry-after', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'content-type': 'application/json',
        'retry-after': '3',
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-limit-tokens': '30000',
        'x-ratelimit-remaining-requests': '486',
        'x-ratelimit-remaining-tokens': '612',
        'x-ratelimit-reset-requests': '1.68s',
        'x-ratelimit-reset-tokens': '58.776s',
      },
      NOW,
    );
    assert.equal(reading.retryAfterMs, 3000);
    assert.deepEqual(find(reading, 'tokens', 'minute'), {
      dimension: 'tokens',
      window: 'minute',
      limit: 30_000,
      remaining: 612,
      resetAt: NOW + 58_776,
    });
    assert.equal(find(reading, 'requests', 'minute').resetAt, NOW + 1680);
    assert.deepEqual(reading.rejected, []);
  });

  test('O4: only the token window present, reset `0s`', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'x-ratelimit-limit-tokens': '30000',
        'x-ratelimit-remaining-tokens': '30000',
        'x-ratelimit-reset-tokens': '0s',
      },
      NOW,
    );
    assert.deepEqual(reading, {
      windows: [{ dimension: 'tokens', window: 'minute', limit: 30_000, remaining: 30_000, resetAt: NOW }],
      rejected: [],
    });
  });

  test('the documented `6m0s` token reset', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'x-ratelimit-limit-tokens': '150000',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-reset-tokens': '6m0s',
      },
      NOW,
    );
    assert.equal(find(reading, 'tokens', 'minute').resetAt, NOW + 6 * 60_000);
  });
});

describe('Azure OpenAI (OpenAI header names)', () => {
  test('429: retry-after-ms wins over retry-after; windows with only `remaining`', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'retry-after': '37',
        'retry-after-ms': '37000',
        'x-ratelimit-remaining-requests': '79',
        'x-ratelimit-remaining-tokens': '0',
        'policy-id': 'DeploymentRatelimit-Token',
      },
      NOW,
    );
    assert.deepEqual(reading, {
      windows: [
        { dimension: 'requests', window: 'minute', remaining: 79 },
        { dimension: 'tokens', window: 'minute', remaining: 0 },
      ],
      retryAfterMs: 37_000,
      rejected: [],
    });
  });

  test('`-1` limit and remaining are unknown, not zero; the reset still counts', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'x-ratelimit-limit-tokens': '-1',
        'x-ratelimit-remaining-tokens': '-1',
        'x-ratelimit-reset-tokens': '0',
      },
      NOW,
    );
    assert.deepEqual(reading, {
      windows: [{ dimension: 'tokens', window: 'minute', resetAt: NOW }],
      rejected: [
        'x-ratelimit-limit-tokens: "-1" is not a positive number',
        'x-ratelimit-remaining-tokens: "-1" is not a non-negative number',
      ],
    });
  });

  test('a reset in plain integer seconds is read as seconds', () => {
    const reading = readRateLimits(
      openaiHeaders,
      { 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '55' },
      NOW,
    );
    assert.equal(find(reading, 'tokens', 'minute').resetAt, NOW + 55_000);
  });
});

describe('retry delay', () => {
  test('retry-after-ms is preferred, and may be fractional', () => {
    const reading = readRateLimits([], { 'retry-after-ms': '1500.5', 'retry-after': '3' }, NOW);
    assert.equal(reading.retryAfterMs, 1500.5);
  });

  test('x-ms-retry-after-ms comes before retry-after', () => {
    const reading = readRateLimits([], { 'x-ms-retry-after-ms': '2500', 'retry-after': '3' }, NOW);
    assert.equal(reading.retryAfterMs, 2500);
  });

  test('a bad retry-after-ms is rejected and the next header used', () => {
    const reading = readRateLimits([], { 'retry-after-ms': 'soon', 'retry-after': '3' }, NOW);
    assert.equal(reading.retryAfterMs, 3000);
    assert.deepEqual(reading.rejected, ['retry-after-ms: "soon" is not a delay']);
  });

  test('retry-after as an HTTP-date, future and past', () => {
    assert.equal(
      readRateLimits([], { 'retry-after': 'Fri, 21 Aug 2026 12:41:28 GMT' }, NOW).retryAfterMs,
      30_000,
    );
    assert.equal(readRateLimits([], { 'retry-after': 'Fri, 21 Aug 2026 12:00:00 GMT' }, NOW).retryAfterMs, 0);
  });

  test('a daily-cap retry-after (86400 s) is kept; one over 48 h is rejected', () => {
    assert.equal(readRateLimits([], { 'retry-after': '86400' }, NOW).retryAfterMs, 86_400_000);
    const reading = readRateLimits([], { 'retry-after': '200000' }, NOW);
    assert.equal(reading.retryAfterMs, undefined);
    assert.deepEqual(reading.rejected, ['retry-after: "200000" is over 48 h']);
  });

  test('negative and malformed retry delays are rejected', () => {
    const reading = readRateLimits(
      [],
      { 'retry-after-ms': '-100', 'x-ms-retry-after-ms': 'NaN', 'retry-after': '-3' },
      NOW,
    );
    assert.equal(reading.retryAfterMs, undefined);
    assert.deepEqual(reading.rejected, [
      'retry-after-ms: "-100" is not a delay',
      'x-ms-retry-after-ms: "NaN" is not a delay',
      'retry-after: "-3" is not a delay',
    ]);
  });
});

describe('Anthropic', () => {
  const a1: HeaderBag = {
    'content-type': 'application/json',
    'request-id': 'req_011CAbCdEfGhIjKlMnOpQr01',
    'anthropic-ratelimit-requests-limit': '1000',
    'anthropic-ratelimit-requests-remaining': '999',
    'anthropic-ratelimit-requests-reset': '2026-08-21T12:40:59Z',
    'anthropic-ratelimit-input-tokens-limit': '80000',
    'anthropic-ratelimit-input-tokens-remaining': '78000',
    'anthropic-ratelimit-input-tokens-reset': '2026-08-21T12:41:00Z',
    'anthropic-ratelimit-output-tokens-limit': '16000',
    'anthropic-ratelimit-output-tokens-remaining': '16000',
    'anthropic-ratelimit-output-tokens-reset': '2026-08-21T12:40:58Z',
    'anthropic-ratelimit-tokens-limit': '96000',
    'anthropic-ratelimit-tokens-remaining': '94000',
    'anthropic-ratelimit-tokens-reset': '2026-08-21T12:41:00Z',
  };

  test('A1: four buckets, resets measured from the `date` header', () => {
    const reading = readRateLimits(anthropicHeaders, { ...a1, date: DATE }, NOW);
    assert.deepEqual(reading, {
      windows: [
        { dimension: 'requests', window: 'minute', limit: 1000, remaining: 999, resetAt: NOW + 1000 },
        {
          dimension: 'input_tokens',
          window: 'minute',
          limit: 80_000,
          remaining: 78_000,
          resetAt: NOW + 2000,
        },
        { dimension: 'output_tokens', window: 'minute', limit: 16_000, remaining: 16_000, resetAt: NOW },
        { dimension: 'tokens', window: 'minute', limit: 96_000, remaining: 94_000, resetAt: NOW + 2000 },
      ],
      rejected: [],
    });
  });

  test('A1: local clock skew is corrected using `date`', () => {
    const ahead = NOW + 7500;
    const fast = readRateLimits(anthropicHeaders, { ...a1, date: DATE }, ahead);
    assert.equal(find(fast, 'requests', 'minute').resetAt, ahead + 1000);
    assert.equal(find(fast, 'input_tokens', 'minute').resetAt, ahead + 2000);
    // Uncorrected, this clock would see the reset 91 s away instead of 1 s.
    const behind = NOW - 90_000;
    const slow = readRateLimits(anthropicHeaders, { ...a1, date: DATE }, behind);
    assert.equal(find(slow, 'requests', 'minute').resetAt, behind + 1000);
  });

  test('A1 without `date`: the timestamp is used as-is', () => {
    const reading = readRateLimits(anthropicHeaders, a1, NOW - 90_000);
    assert.equal(find(reading, 'requests', 'minute').resetAt, Date.UTC(2026, 7, 21, 12, 40, 59));
    assert.deepEqual(reading.rejected, []);
  });

  test('an unparseable `date` is rejected and the timestamp used as-is', () => {
    const reading = readRateLimits(anthropicHeaders, { ...a1, date: 'yesterday' }, NOW - 90_000);
    assert.equal(find(reading, 'requests', 'minute').resetAt, Date.UTC(2026, 7, 21, 12, 40, 59));
    assert.deepEqual(reading.rejected, ['date: "yesterday" is not an HTTP date']);
  });

  test('A3: 429 on input tokens, with retry-after', () => {
    const reading = readRateLimits(
      anthropicHeaders,
      {
        'content-type': 'application/json',
        'request-id': 'req_011CAbCdEfGhIjKlMnOpQr03',
        'retry-after': '24',
        'anthropic-ratelimit-requests-limit': '1000',
        'anthropic-ratelimit-requests-remaining': '990',
        'anthropic-ratelimit-requests-reset': '2026-08-21T12:41:02Z',
        'anthropic-ratelimit-input-tokens-limit': '80000',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': '2026-08-21T12:41:22Z',
        'anthropic-ratelimit-output-tokens-limit': '16000',
        'anthropic-ratelimit-output-tokens-remaining': '9000',
        'anthropic-ratelimit-output-tokens-reset': '2026-08-21T12:41:24Z',
        'anthropic-ratelimit-tokens-limit': '96000',
        'anthropic-ratelimit-tokens-remaining': '9000',
        'anthropic-ratelimit-tokens-reset': '2026-08-21T12:41:22Z',
      },
      NOW,
    );
    assert.equal(reading.retryAfterMs, 24_000);
    assert.deepEqual(find(reading, 'input_tokens', 'minute'), {
      dimension: 'input_tokens',
      window: 'minute',
      limit: 80_000,
      remaining: 0,
      resetAt: NOW + 24_000,
    });
    assert.equal(reading.windows.length, 4);
    assert.deepEqual(reading.rejected, []);
  });

  test('a reset slightly in the past means full now; one years in the past is rejected', () => {
    const reading = readRateLimits(
      anthropicHeaders,
      {
        date: DATE,
        'anthropic-ratelimit-requests-reset': '2026-08-21T12:40:50Z',
        'anthropic-ratelimit-tokens-limit': '96000',
        'anthropic-ratelimit-tokens-reset': '2016-08-21T12:40:59Z',
      },
      NOW,
    );
    assert.equal(find(reading, 'requests', 'minute').resetAt, NOW);
    assert.equal(find(reading, 'tokens', 'minute').resetAt, undefined);
    assert.deepEqual(reading.rejected, [
      'anthropic-ratelimit-tokens-reset: "2016-08-21T12:40:59Z" is more than 1 h in the past',
    ]);
  });

  test('a reset that is not RFC 3339 is rejected', () => {
    const reading = readRateLimits(
      anthropicHeaders,
      { 'anthropic-ratelimit-requests-remaining': '5', 'anthropic-ratelimit-requests-reset': '1787316059' },
      NOW,
    );
    assert.deepEqual(find(reading, 'requests', 'minute'), {
      dimension: 'requests',
      window: 'minute',
      remaining: 5,
    });
    assert.deepEqual(reading.rejected, [
      'anthropic-ratelimit-requests-reset: "1787316059" is not an RFC 3339 timestamp',
    ]);
  });
});

describe('Cerebras', () => {
  // 12:26:37.781 UTC: the minute boundary is 22.219 s away, UTC midnight 41 602.219 s.
  const cerebrasNow = Date.UTC(2026, 7, 21, 12, 26, 37, 781);

  test('C1: requests per day and tokens per minute, float-second resets', () => {
    const reading = readRateLimits(
      cerebrasHeaders,
      {
        'content-type': 'application/json',
        'x-ratelimit-limit-requests-day': '14400',
        'x-ratelimit-limit-tokens-minute': '60000',
        'x-ratelimit-remaining-requests-day': '14388',
        'x-ratelimit-remaining-tokens-minute': '57904',
        'x-ratelimit-reset-requests-day': '41602.219061851501',
        'x-ratelimit-reset-tokens-minute': '22.219061851501465',
      },
      cerebrasNow,
    );
    assert.deepEqual(
      reading.windows.map((w) => [w.dimension, w.window, w.limit, w.remaining]),
      [
        ['requests', 'day', 14_400, 14_388],
        ['tokens', 'minute', 60_000, 57_904],
      ],
    );
    // The resets land on the wall-clock boundaries (to within a millisecond).
    const day = find(reading, 'requests', 'day').resetAt!;
    const minute = find(reading, 'tokens', 'minute').resetAt!;
    assert.ok(Math.abs(day - Date.UTC(2026, 7, 22)) < 1, String(day));
    assert.ok(Math.abs(minute - Date.UTC(2026, 7, 21, 12, 27)) < 1, String(minute));
    assert.deepEqual(reading.rejected, []);
  });

  test('C2: minute, hour and day request windows beside the token window', () => {
    const reading = readRateLimits(
      cerebrasHeaders,
      {
        'x-ratelimit-limit-requests-minute': '30',
        'x-ratelimit-remaining-requests-minute': '27',
        'x-ratelimit-reset-requests-minute': '22.219',
        'x-ratelimit-limit-requests-hour': '900',
        'x-ratelimit-remaining-requests-hour': '871',
        'x-ratelimit-reset-requests-hour': '2002.219',
        'x-ratelimit-limit-requests-day': '14400',
        'x-ratelimit-remaining-requests-day': '14371',
        'x-ratelimit-reset-requests-day': '41602.219',
        'x-ratelimit-limit-tokens-minute': '60000',
        'x-ratelimit-remaining-tokens-minute': '1830',
        'x-ratelimit-reset-tokens-minute': '22.219',
      },
      cerebrasNow,
    );
    assert.deepEqual(reading, {
      windows: [
        { dimension: 'requests', window: 'minute', limit: 30, remaining: 27, resetAt: cerebrasNow + 22_219 },
        {
          dimension: 'requests',
          window: 'hour',
          limit: 900,
          remaining: 871,
          resetAt: cerebrasNow + 2_002_219,
        },
        {
          dimension: 'requests',
          window: 'day',
          limit: 14_400,
          remaining: 14_371,
          resetAt: cerebrasNow + 41_602_219,
        },
        {
          dimension: 'tokens',
          window: 'minute',
          limit: 60_000,
          remaining: 1830,
          resetAt: cerebrasNow + 22_219,
        },
      ],
      rejected: [],
    });
  });

  test('C3: 429 on tokens per minute, with retry-after', () => {
    const reading = readRateLimits(
      cerebrasHeaders,
      {
        'content-type': 'application/json',
        'retry-after': '23',
        'x-ratelimit-limit-requests-day': '14400',
        'x-ratelimit-limit-tokens-minute': '60000',
        'x-ratelimit-remaining-requests-day': '14370',
        'x-ratelimit-remaining-tokens-minute': '1830',
        'x-ratelimit-reset-requests-day': '41601.733',
        'x-ratelimit-reset-tokens-minute': '21.733',
      },
      cerebrasNow,
    );
    assert.equal(reading.retryAfterMs, 23_000);
    assert.equal(find(reading, 'tokens', 'minute').resetAt, cerebrasNow + 21_733);
    assert.equal(find(reading, 'requests', 'day').resetAt, cerebrasNow + 41_601_733);
    assert.equal(reading.windows.length, 2);
  });

  test('the hour window allows a reset up to 2 h away, not more', () => {
    const reading = readRateLimits(
      cerebrasHeaders,
      {
        'x-ratelimit-limit-requests-hour': '900',
        'x-ratelimit-reset-requests-hour': '7000',
        'x-ratelimit-limit-tokens-hour': '1000000',
        'x-ratelimit-reset-tokens-hour': '7300',
      },
      cerebrasNow,
    );
    assert.equal(find(reading, 'requests', 'hour').resetAt, cerebrasNow + 7_000_000);
    assert.equal(find(reading, 'tokens', 'hour').resetAt, undefined);
    assert.deepEqual(reading.rejected, ['x-ratelimit-reset-tokens-hour: "7300" is more than 2 h away']);
  });
});

describe('Groq', () => {
  test('G1: `-requests` is the DAY window, `-tokens` the minute one', () => {
    const reading = readRateLimits(
      groqHeaders,
      {
        'content-type': 'application/json',
        'x-request-id': 'req_01k2example0000000000000001',
        'x-ratelimit-limit-requests': '14400',
        'x-ratelimit-limit-tokens': '6000',
        'x-ratelimit-remaining-requests': '14391',
        'x-ratelimit-remaining-tokens': '5620',
        'x-ratelimit-reset-requests': '54s',
        'x-ratelimit-reset-tokens': '3.8s',
      },
      NOW,
    );
    assert.deepEqual(reading, {
      windows: [
        { dimension: 'requests', window: 'day', limit: 14_400, remaining: 14_391, resetAt: NOW + 54_000 },
        { dimension: 'tokens', window: 'minute', limit: 6000, remaining: 5620, resetAt: NOW + 3800 },
      ],
      rejected: [],
    });
  });

  test('G5: requests per day used up, `24h0m0s` reset', () => {
    const reading = readRateLimits(
      groqHeaders,
      {
        'retry-after': '87',
        'x-ratelimit-limit-requests': '1000',
        'x-ratelimit-limit-tokens': '12000',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-remaining-tokens': '12000',
        'x-ratelimit-reset-requests': '24h0m0s',
        'x-ratelimit-reset-tokens': '0s',
      },
      NOW,
    );
    assert.deepEqual(reading, {
      windows: [
        { dimension: 'requests', window: 'day', limit: 1000, remaining: 0, resetAt: NOW + 24 * HOUR },
        { dimension: 'tokens', window: 'minute', limit: 12_000, remaining: 12_000, resetAt: NOW },
      ],
      retryAfterMs: 87_000,
      rejected: [],
    });
  });

  test('the day window allows up to 48 h', () => {
    const reading = readRateLimits(groqHeaders, { 'x-ratelimit-reset-requests': '49h0m0s' }, NOW);
    assert.deepEqual(reading.windows, []);
    assert.deepEqual(reading.rejected, ['x-ratelimit-reset-requests: "49h0m0s" is more than 48 h away']);
  });
});

describe('generic REST', () => {
  // 30 minutes before 1700000000 (Tue, 14 Nov 2023 22:13:20 GMT).
  const githubNow = 1_699_998_200_000;
  const github: HeaderBag = {
    date: 'Tue, 14 Nov 2023 21:43:20 GMT',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4987',
    'x-ratelimit-reset': '1700000000',
    'x-ratelimit-used': '13',
    'x-ratelimit-resource': 'core',
  };

  test('GitHub: a large reset is epoch seconds', () => {
    assert.deepEqual(readRateLimits(genericHeaders, github, githubNow), {
      windows: [
        {
          dimension: 'requests',
          window: 'unspecified',
          limit: 5000,
          remaining: 4987,
          resetAt: 1_700_000_000_000,
        },
      ],
      rejected: [],
    });
  });

  test('GitHub: an epoch reset is skew-corrected by `date` too', () => {
    const reading = readRateLimits(genericHeaders, github, githubNow + 4000);
    assert.equal(find(reading, 'requests', 'unspecified').resetAt, 1_700_000_004_000);
  });

  test('a small reset is seconds from now (IETF `ratelimit-*`)', () => {
    const reading = readRateLimits(
      genericHeaders,
      { 'ratelimit-limit': '100', 'ratelimit-remaining': '42', 'ratelimit-reset': '30' },
      NOW,
    );
    assert.deepEqual(reading.windows, [
      { dimension: 'requests', window: 'unspecified', limit: 100, remaining: 42, resetAt: NOW + 30_000 },
    ]);
  });

  test('an epoch in milliseconds is recognised as such', () => {
    const reading = readRateLimits(genericHeaders, { 'x-ratelimit-reset': '1700000000000' }, githubNow);
    assert.equal(find(reading, 'requests', 'unspecified').resetAt, 1_700_000_000_000);
  });

  test('an epoch ten years out is rejected', () => {
    const reading = readRateLimits(
      genericHeaders,
      { 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': '2015360000' },
      githubNow,
    );
    assert.deepEqual(reading.windows, [{ dimension: 'requests', window: 'unspecified', remaining: 10 }]);
    assert.deepEqual(reading.rejected, ['x-ratelimit-reset: "2015360000" is more than 48 h away']);
  });
});

describe('NVIDIA', () => {
  test('no rate-limit headers: zero windows', () => {
    const reading = readRateLimits(
      nvidia.rateLimitHeaders,
      { 'content-type': 'application/json', 'nvcf-reqid': 'abc', date: DATE },
      NOW,
    );
    assert.deepEqual(reading, { windows: [], rejected: [] });
  });
});

describe('untrustworthy values', () => {
  test('malformed values are ignored and named; the rest of the window still counts', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'x-ratelimit-limit-requests': 'lots',
        'x-ratelimit-remaining-requests': '12',
        'x-ratelimit-reset-requests': 'soon',
      },
      NOW,
    );
    assert.deepEqual(reading.windows, [{ dimension: 'requests', window: 'minute', remaining: 12 }]);
    assert.deepEqual(reading.rejected, [
      'x-ratelimit-limit-requests: "lots" is not a positive number',
      'x-ratelimit-reset-requests: "soon" is not a duration',
    ]);
  });

  test('a negative remaining is ignored', () => {
    const reading = readRateLimits(
      openaiHeaders,
      { 'x-ratelimit-limit-tokens': '30000', 'x-ratelimit-remaining-tokens': '-5' },
      NOW,
    );
    assert.deepEqual(reading.windows, [{ dimension: 'tokens', window: 'minute', limit: 30_000 }]);
    assertRejected(reading, 'x-ratelimit-remaining-tokens: "-5" is not a non-negative number');
  });

  test('a negative reset is ignored', () => {
    const reading = readRateLimits(
      cerebrasHeaders,
      { 'x-ratelimit-remaining-tokens-minute': '100', 'x-ratelimit-reset-tokens-minute': '-3.5' },
      NOW,
    );
    assert.deepEqual(reading.windows, [{ dimension: 'tokens', window: 'minute', remaining: 100 }]);
    assertRejected(reading, 'x-ratelimit-reset-tokens-minute: "-3.5" is not a number of seconds');
  });

  test('a limit of 0 is ignored', () => {
    const reading = readRateLimits(
      openaiHeaders,
      { 'x-ratelimit-limit-requests': '0', 'x-ratelimit-remaining-requests': '0' },
      NOW,
    );
    assert.deepEqual(reading.windows, [{ dimension: 'requests', window: 'minute', remaining: 0 }]);
    assertRejected(reading, 'x-ratelimit-limit-requests: "0" is not a positive number');
  });

  test('remaining above the limit is ignored, the limit kept', () => {
    const reading = readRateLimits(
      openaiHeaders,
      { 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '600' },
      NOW,
    );
    assert.deepEqual(reading.windows, [{ dimension: 'requests', window: 'minute', limit: 500 }]);
    assertRejected(reading, 'x-ratelimit-remaining-requests: "600" is above the limit 500');
  });

  test('a reset ten years away is ignored, whatever its format', () => {
    const openai = readRateLimits(
      openaiHeaders,
      { 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '87600h0m0s' },
      NOW,
    );
    assert.deepEqual(openai.windows, [{ dimension: 'requests', window: 'minute', remaining: 1 }]);
    assertRejected(openai, 'x-ratelimit-reset-requests: "87600h0m0s" is more than 1 h away');

    const anthropic = readRateLimits(
      anthropicHeaders,
      { date: DATE, 'anthropic-ratelimit-requests-reset': '2036-08-21T12:40:59Z' },
      NOW,
    );
    assert.deepEqual(anthropic.windows, []);
    assertRejected(
      anthropic,
      'anthropic-ratelimit-requests-reset: "2036-08-21T12:40:59Z" is more than 1 h away',
    );

    const cerebras = readRateLimits(cerebrasHeaders, { 'x-ratelimit-reset-requests-day': '315360000' }, NOW);
    assert.deepEqual(cerebras.windows, []);
    assertRejected(cerebras, 'x-ratelimit-reset-requests-day: "315360000" is more than 48 h away');
  });

  test('non-finite and non-decimal numbers are ignored', () => {
    const huge = `1${'0'.repeat(400)}`;
    const reading = readRateLimits(
      openaiHeaders,
      {
        'x-ratelimit-limit-requests': huge,
        'x-ratelimit-remaining-requests': 'Infinity',
        'x-ratelimit-reset-requests': 'NaN',
        'x-ratelimit-limit-tokens': '1e6',
        'x-ratelimit-remaining-tokens': '0x10',
      },
      NOW,
    );
    assert.deepEqual(reading.windows, []);
    assert.deepEqual(reading.rejected, [
      `x-ratelimit-limit-requests: "${'1'.padEnd(60, '0')}…" is not a positive number`,
      'x-ratelimit-remaining-requests: "Infinity" is not a non-negative number',
      'x-ratelimit-reset-requests: "NaN" is not a duration',
      'x-ratelimit-limit-tokens: "1e6" is not a positive number',
      'x-ratelimit-remaining-tokens: "0x10" is not a non-negative number',
    ]);
  });
});

describe('header access', () => {
  test('a repeated header (string[]) uses its first value', () => {
    const reading = readRateLimits(
      openaiHeaders,
      {
        'x-ratelimit-limit-requests': ['500', '600'],
        'x-ratelimit-remaining-requests': ['487'],
        'retry-after': ['2', '9'],
      },
      NOW,
    );
    assert.deepEqual(reading.windows, [
      { dimension: 'requests', window: 'minute', limit: 500, remaining: 487 },
    ]);
    assert.equal(reading.retryAfterMs, 2000);
  });

  test('an empty string[] counts as absent', () => {
    const reading = readRateLimits(openaiHeaders, { 'x-ratelimit-limit-requests': [] }, NOW);
    assert.deepEqual(reading, { windows: [], rejected: [] });
  });

  test('spec header names are matched case-insensitively', () => {
    const specs: RateLimitHeaderSpec[] = [
      {
        dimension: 'requests',
        window: 'second',
        limit: 'X-RateLimit-Limit',
        remaining: 'X-RateLimit-Remaining',
        reset: 'X-RateLimit-Reset',
        resetFormat: 'seconds',
      },
    ];
    const reading = readRateLimits(
      specs,
      { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' },
      NOW,
    );
    assert.deepEqual(reading.windows, [
      { dimension: 'requests', window: 'second', limit: 10, remaining: 0, resetAt: NOW + 1000 },
    ]);
  });

  test('absent headers yield nothing', () => {
    for (const specs of [openaiHeaders, groqHeaders, cerebrasHeaders, anthropicHeaders, genericHeaders]) {
      assert.deepEqual(readRateLimits(specs, {}, NOW), { windows: [], rejected: [] });
    }
  });
});
