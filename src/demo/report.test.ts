// The side-by-side table and the sentence that says what it means, from the numbers alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PhaseResult } from './phase.ts';
import { renderTable, summarize, tableRows } from './report.ts';

function phase(label: string, over: Partial<PhaseResult> = {}): PhaseResult {
  return {
    label,
    requests: 112,
    succeeded: 112,
    failed: 0,
    upstream429: 0,
    upstreamCalls: 112,
    wallMs: 13_800,
    capacity: { share: 0.86, requestShare: 0.7, tokenShare: 0.86, windows: 7 },
    p50Ms: 6500,
    p99Ms: 9300,
    ...over,
  };
}

const direct = phase('SDK alone', {
  succeeded: 80,
  failed: 32,
  upstream429: 184,
  upstreamCalls: 264,
  wallMs: 9000,
  capacity: { share: 0.78, requestShare: 0.6, tokenShare: 0.78, windows: 5 },
  p50Ms: 4300,
  p99Ms: 5000,
});
const gateway = phase('through Cooldown');

test('one row per measure, one column per phase', () => {
  const rows = tableRows([direct, gateway]);
  const byLabel = new Map(rows.map((r) => [r[0]!.trim(), r.slice(1)]));
  assert.deepEqual(byLabel.get(''), ['SDK alone', 'through Cooldown']);
  assert.deepEqual(byLabel.get('requests'), ['112', '112']);
  assert.deepEqual(byLabel.get('succeeded'), ['80', '112']);
  assert.deepEqual(byLabel.get('failed (after retries)'), ['32', '0']);
  assert.deepEqual(byLabel.get('upstream 429s'), ['184', '0']);
  assert.deepEqual(byLabel.get('wall time'), ['9.0 s', '13.8 s']);
  assert.deepEqual(byLabel.get('capacity used'), ['78%', '86%']);
  assert.deepEqual(byLabel.get('latency p50'), ['4.3 s', '6.5 s']);
  assert.deepEqual(byLabel.get('latency p99'), ['5.0 s', '9.3 s']);
});

test('columns line up: every cell ends where its header ends', () => {
  const lines = renderTable([direct, gateway]).split('\n');
  const header = lines[0]!;
  const end = header.length;
  for (const line of lines) assert.equal(line.length, end, JSON.stringify(line));
  const firstColumnEnd = header.indexOf('SDK alone') + 'SDK alone'.length;
  const failed = lines.find((l) => l.includes('failed'))!;
  assert.equal(failed.slice(0, firstColumnEnd).trimEnd().endsWith('32'), true);
});

test('says what the difference means with the measured numbers', () => {
  assert.equal(
    summarize(direct, gateway),
    'Through Cooldown all 112 requests succeeded and the provider refused none (0 upstream 429s); ' +
      'the SDK alone lost 32 of 112 (29%) after its retries and drew 184 429s. ' +
      "Cooldown also used more of the capacity the hidden limits allowed (86% against 78%), knowing them only from the provider's headers. " +
      'It took longer (13.8 s against 9.0 s) because it waited for capacity to finish every request; the SDK alone finished sooner by giving up on 32.',
  );
});

test('says so when the gateway also lost requests or drew 429s, and when the SDK lost none', () => {
  const worse = phase('through Cooldown', { succeeded: 110, failed: 2, upstream429: 1, wallMs: 8000 });
  const lucky = phase('SDK alone', { upstream429: 12 });
  const text = summarize(lucky, worse);
  assert.match(text, /^Through Cooldown 110 of 112 requests succeeded with 1 upstream 429;/);
  assert.match(text, /the SDK alone got every request through too, but drew 12 429s\./);
  assert.doesNotMatch(text, /took longer/);
});

test('says which phase used more of the capacity', () => {
  const busier = phase('SDK alone', {
    ...direct,
    capacity: { share: 0.98, requestShare: 0.7, tokenShare: 0.98, windows: 4 },
  });
  assert.match(
    summarize(busier, gateway),
    /Cooldown used 86% of the capacity the hidden limits allowed, knowing them only from the provider's headers; the SDK alone, retrying whenever retry-after allowed, used 98%\./,
  );
});
