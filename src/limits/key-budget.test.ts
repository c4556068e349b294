import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openaiHeaders } from '../dialects/openai.ts';
import { readRateLimits } from '../dialects/rate-limit-headers.ts';
import type { RateLimitReading } from '../dialects/types.ts';
import { createManualClock } from '../time/clock.ts';
import type { Cost } from './cost.ts';
import { type BudgetSettings, KeyBudget } from './key-budget.ts';

const ONE: Cost = { requests: 1, inputTokens: 0, outputTokens: 0 };
const settings = (over: Partial<BudgetSettings> = {}): BudgetSettings => ({
  limits: {},
  useHeaders: true,
  headerFallback: true,
  headerTimeoutMs: 5000,
  resetBufferMs: 100,
  upstreamReportsLimits: true,
  ...over,
});

function reading(windows: RateLimitReading['windows'], retryAfterMs?: number): RateLimitReading {
  return retryAfterMs === undefined ? { windows, rejected: [] } : { windows, retryAfterMs, rejected: [] };
}

describe('KeyBudget', () => {
  test('configured rpm: 30 a minute in virtual time', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { rpm: 30 }, useHeaders: false }), clock);
    let sent = 0;
    while (clock.monotonic() < 60_000) {
      const wait = key.waitFor(ONE);
      if (wait > 0) {
        clock.advance(wait);
        continue;
      }
      key.settle(key.reserve(ONE), ONE);
      sent++;
    }
    assert.ok(sent >= 30 && sent <= 31, `sent ${sent} in the first minute`);
  });

  test('live headers override the configured limit, and the config returns when they go stale', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { rpm: 100 } }), clock);
    const r = key.reserve(ONE);
    key.observe(
      r,
      reading([
        { dimension: 'requests', window: 'minute', limit: 10, remaining: 0, resetAt: clock.now() + 10_000 },
      ]),
    );
    key.settle(r, ONE);
    assert.equal(key.waitFor(ONE), 10_100, 'the upstream says none are left until its reset');
    assert.equal(key.limitOf('requests', 'minute'), 10);
    clock.advance(121_000);
    assert.equal(key.waitFor(ONE), 0);
    assert.equal(key.limitOf('requests', 'minute'), 100, 'stale: back to the configured limit');
  });

  test('limits are learned when none were configured', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings(), clock);
    const r = key.reserve(ONE);
    key.observe(
      r,
      reading([
        { dimension: 'tokens', window: 'minute', limit: 1000, remaining: 200, resetAt: clock.now() + 30_000 },
      ]),
    );
    key.settle(r, ONE);
    assert.equal(key.waitFor({ requests: 1, inputTokens: 150, outputTokens: 0 }), 0);
    assert.equal(key.waitFor({ requests: 1, inputTokens: 150, outputTokens: 100 }), 30_100);
    assert.equal(key.neverFits({ requests: 1, inputTokens: 1100, outputTokens: 0 }), true);
    assert.equal(
      key.neverFits({ requests: 1, inputTokens: 900, outputTokens: 200 }),
      false,
      'an output bound over the window is only a ceiling',
    );
  });

  test('an output bound larger than a whole window reserves the window and waits for a full one', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { otpm: 8000 }, useHeaders: false }), clock);
    // Claude Code's first call: a system prompt larger than the output window, and 64000 to write.
    const claudeCode: Cost = { requests: 1, inputTokens: 16_000, outputTokens: 64_000 };
    assert.equal(key.waitFor(claudeCode), 0, 'an empty window takes it');
    const r = key.reserve(claudeCode);
    assert.equal(key.remainingOf('output_tokens', 'minute'), 0, 'the whole window is reserved');
    assert.ok(key.waitFor(claudeCode) > 0, 'the next one waits for the window to empty');
    key.settle(r, { requests: 1, inputTokens: 16_000, outputTokens: 500 });
    assert.equal(key.remainingOf('output_tokens', 'minute'), 7500, 'settled to what it used');
    assert.ok(key.waitFor(claudeCode) > 0, 'the next one still waits for a full window');
    clock.advance(61_000);
    assert.equal(key.waitFor(claudeCode), 0);
    const r2 = key.reserve(claudeCode);
    key.settle(r2, { requests: 1, inputTokens: 16_000, outputTokens: 20_000 });
    assert.equal(key.remainingOf('output_tokens', 'minute'), 8000 - 20_000, 'a real overrun counts whole');
  });

  test('a prompt larger than a whole window never fits, and the reason names the limit', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { tpm: 10_000 }, useHeaders: false }), clock);
    const huge: Cost = { requests: 1, inputTokens: 12_000, outputTokens: 100 };
    assert.equal(key.waitFor(huge), Number.POSITIVE_INFINITY);
    assert.match(
      key.tooLarge(huge) ?? '',
      /12000 tokens.*tokens per minute limit of 10000 \(configured as `tpm`\)/,
    );
    assert.equal(key.tooLarge({ requests: 1, inputTokens: 9000, outputTokens: 50_000 }), undefined);
  });

  test('reserve, then settle to the real usage', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { tpm: 12_000 }, useHeaders: false }), clock);
    const big: Cost = { requests: 1, inputTokens: 1000, outputTokens: 4000 };
    const r1 = key.reserve(big);
    key.reserve(big);
    assert.ok(key.waitFor(big) > 0, 'a third reservation of 5000 does not fit in 12000');
    key.settle(r1, { requests: 1, inputTokens: 1000, outputTokens: 50 });
    assert.equal(key.waitFor(big), 0, 'the unused output bound came back');
    assert.equal(key.remainingOf('tokens', 'minute'), 12_000 - 1050 - 5000);
  });

  test('a cold key sends one request and waits for its headers before the rest', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { rpm: 1000 } }), clock);
    const first = key.reserve(ONE);
    assert.ok(key.waitFor(ONE) > 0, 'no burst before the first answer');
    key.observe(
      first,
      reading([
        { dimension: 'requests', window: 'minute', limit: 3, remaining: 2, resetAt: clock.now() + 60_000 },
      ]),
    );
    assert.equal(key.waitFor(ONE), 0);
    key.reserve(ONE);
    key.reserve(ONE);
    assert.ok(key.waitFor(ONE) > 0, 'the learned 3/min is used up');
  });

  test('a cold key stops waiting after header_timeout if no answer comes', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ headerTimeoutMs: 5000 }), clock);
    key.reserve(ONE);
    assert.equal(key.waitFor(ONE), 5000);
    clock.advance(5000);
    assert.equal(key.waitFor(ONE), 0);
  });

  test('an upstream without rate-limit headers (NVIDIA) is not probed: config only', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { rpm: 40 }, upstreamReportsLimits: false }), clock);
    for (let i = 0; i < 40; i++) {
      assert.equal(key.waitFor(ONE), 0);
      key.reserve(ONE);
    }
    assert.ok(key.waitFor(ONE) > 0);
  });

  test('a 429 pauses the key for its retry-after', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ useHeaders: false }), clock);
    key.pauseFor(3000);
    assert.equal(key.waitFor(ONE), 3000);
    clock.advance(3000);
    assert.equal(key.waitFor(ONE), 0);
  });

  test('malformed and absurd headers change nothing', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { rpm: 60 } }), clock);
    const r = key.reserve(ONE);
    const bad = readRateLimits(
      openaiHeaders,
      {
        'x-ratelimit-limit-requests': '0',
        'x-ratelimit-remaining-requests': '-5',
        'x-ratelimit-reset-requests': '87600h',
        'x-ratelimit-limit-tokens': 'lots',
      },
      clock.now(),
    );
    assert.ok(bad.rejected.length >= 3);
    key.observe(r, bad);
    key.settle(r, ONE);
    assert.equal(key.waitFor(ONE), 0);
    assert.equal(key.limitOf('requests', 'minute'), 60);
  });

  test('a wall-clock jump does not wedge a key waiting for its reset', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings(), clock);
    const r = key.reserve(ONE);
    key.observe(
      r,
      reading([
        { dimension: 'requests', window: 'minute', limit: 5, remaining: 0, resetAt: clock.now() + 2000 },
      ]),
    );
    clock.jumpWallClock(10 * 365 * 86_400_000);
    assert.equal(key.waitFor(ONE), 2100);
    clock.advance(2100);
    assert.equal(key.waitFor(ONE), 0);
  });

  test('stats show configured and learned limits, remaining and where they come from', () => {
    const clock = createManualClock();
    const key = new KeyBudget(settings({ limits: { rpm: 60, tpm: 1000 } }), clock);
    const r = key.reserve({ requests: 1, inputTokens: 10, outputTokens: 90 });
    key.observe(
      r,
      reading([
        { dimension: 'requests', window: 'minute', limit: 50, remaining: 49, resetAt: clock.now() + 1200 },
      ]),
    );
    const stats = key.stats();
    assert.equal(stats.in_flight, 1);
    const rpm = stats.windows.find((w) => w.dimension === 'requests' && w.window === 'minute')!;
    assert.deepEqual(rpm, {
      dimension: 'requests',
      window: 'minute',
      configured_limit: 60,
      learned_limit: 50,
      remaining: 49,
      reset_in_ms: 1200,
      source: 'headers',
    });
    const tpm = stats.windows.find((w) => w.dimension === 'tokens')!;
    assert.equal(tpm.source, 'config');
    assert.equal(tpm.remaining, 900);
  });
});
