// The report's arithmetic: counts that add up, rates over the elapsed time, percentiles, masking.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Outcome } from './exchange.ts';
import { resolvePlan } from './plan.ts';
import { buildReport } from './report.ts';
import { formatReport } from './report-text.ts';
import { createTally } from './tally.ts';

const answer = (
  status: number,
  latencyMs: number,
  extra: Partial<Extract<Outcome, { kind: 'answer' }>> = {},
): Outcome => ({
  kind: 'answer',
  status,
  latencyMs,
  ttftMs: undefined,
  usage: undefined,
  message: undefined,
  ...extra,
});

/** HDR histograms keep three significant digits: a value is its bucket's, within 0.1%. */
function near(actual: number | undefined, expected: number): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= expected / 1000,
    `${actual} is not ${expected}`,
  );
}

function reportOf(outcomes: Outcome[], elapsedMs: number, skipped = 0) {
  const plan = resolvePlan(
    {
      url: 'http://user:hunter2@127.0.0.1:9999',
      key: 'sk-live-0123456789abcdefghijklmnopqrstuv',
      stream: true,
    },
    {},
  );
  const tally = createTally();
  for (const o of outcomes) tally.record(o);
  for (let i = 0; i < skipped; i++) tally.skip();
  const report = buildReport({
    plan,
    tally,
    result: { stoppedBy: 'duration', elapsedMs },
    startedAt: new Date(0),
  });
  tally.close();
  return report;
}

describe('buildReport', () => {
  const outcomes: Outcome[] = [
    ...Array.from({ length: 8 }, (_, i) =>
      answer(200, (i + 1) * 10, { ttftMs: i + 1, usage: { input: 10, output: 5 } }),
    ),
    answer(429, 1, { message: 'slow down' }),
    answer(429, 2, { message: 'a second message is not kept' }),
    { kind: 'failed', reason: 'network', status: undefined },
    { kind: 'failed', reason: 'stream_error', status: 200 },
    { kind: 'aborted' },
  ];
  const r = reportOf(outcomes, 2000, 3);

  test('every request is ok, failed or aborted; statuses and failures add up to the finished ones', () => {
    assert.deepEqual(r.requests, {
      total: 13,
      ok: 8,
      failed: 4,
      aborted: 1,
      skipped: 3,
      success_rate: 0.6667,
      per_s: 6.5,
      ok_per_s: 4,
    });
    assert.deepEqual(r.statuses, { 200: 8, 429: 2 });
    assert.deepEqual(r.failures, { network: 1, stream_error: 1 });
    const counted =
      Object.values(r.statuses).reduce((a, b) => a + b, 0) +
      Object.values(r.failures).reduce((a, b) => a + b, 0);
    assert.equal(counted, r.requests.ok + r.requests.failed);
    assert.deepEqual(r.messages, { 429: 'slow down' });
  });

  test('latency over every answer, first token over the streams that succeeded, in milliseconds', () => {
    assert.equal(r.latency_ms?.count, 10);
    assert.equal(r.latency_ms?.max, 80);
    near(r.latency_ms?.p50, 30);
    near(r.latency_ms?.p90, 70);
    assert.equal(r.latency_ms?.p99, 80, 'no percentile above the maximum');
    near(r.latency_ms?.mean, 36.3);
    assert.equal(r.ttft_ms?.count, 8);
    near(r.ttft_ms?.p50, 4);
    assert.equal(r.ttft_ms?.max, 8);
    near(r.ttft_ms?.mean, 4.5);
  });

  test('tokens from the answers that reported usage, per second of the run', () => {
    assert.deepEqual(r.tokens, {
      input: 80,
      output: 40,
      answers_with_usage: 8,
      output_per_s: 20,
      total_per_s: 60,
    });
  });

  test('no secret in the report or its text', () => {
    const text = `${JSON.stringify(r)}\n${formatReport(r)}`;
    assert.equal(r.target.key, 'sk-liv...stuv');
    assert.equal(r.target.url, 'http://user:***@127.0.0.1:9999');
    assert.ok(!text.includes('hunter2') && !text.includes('0123456789abcdef'));
  });

  test('the text names the counts, percentiles and tokens', () => {
    const text = formatReport(r);
    assert.match(text, /13 in 2\.00s \(6\.5\/s\): 8 ok, 4 failed, 1 aborted at the end; success 66\.67%/);
    assert.match(text, /statuses\s+200: 8 {2}429: 2/);
    assert.match(text, /failures\s+network: 1 {2}stream_error: 1/);
    assert.match(text, /3 due but not sent/);
    assert.match(text, /latency\s+p50 30\.0 ms {2}p90 70\.0 ms {2}p99 80\.0 ms {2}max 80\.0 ms/);
    assert.match(text, /first token\s+p50 4\.00 ms/);
    assert.match(text, /80 in, 40 out \(8 answers with usage\): 20 out\/s, 60 total\/s/);
  });

  test('nothing finished: no rate, no distributions', () => {
    const empty = reportOf([{ kind: 'aborted' }], 500);
    assert.equal(empty.requests.success_rate, null);
    assert.equal(empty.latency_ms, null);
    assert.equal(empty.ttft_ms, null);
    assert.match(formatReport(empty), /success none finished/);
  });
});
