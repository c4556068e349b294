// The progress line: its text, redrawn in place on a terminal and written as plain lines otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProgress, type ProgressCounts, startProgress } from './progress.ts';

const counts: ProgressCounts = {
  done: 30,
  total: 120,
  succeeded: 25,
  failed: 5,
  upstream429: 40,
  elapsedMs: 4250,
};

test('shows how far the phase is and how it is going', () => {
  assert.equal(
    formatProgress('SDK alone', counts),
    '  SDK alone         [#####...............]  30/120  25 ok, 5 failed, 40 upstream 429s, 4.3 s',
  );
  const done = formatProgress('through Cooldown', { ...counts, done: 120, succeeded: 120, failed: 0 });
  assert.match(done, /\[#{20}\] 120\/120/);
});

test('on a terminal each line replaces the last, and the last one stays', () => {
  const written: string[] = [];
  const p = startProgress({ write: (t) => written.push(t), isTTY: true }, 'x', () => counts);
  p.stop();
  p.stop();
  assert.deepEqual(written, [
    `\r\x1b[K${formatProgress('x', counts)}`,
    `\r\x1b[K${formatProgress('x', counts)}`,
    '\n',
  ]);
});

test('elsewhere it writes whole lines, with no carriage returns', () => {
  const written: string[] = [];
  const p = startProgress({ write: (t) => written.push(t), isTTY: false }, 'x', () => counts);
  p.stop();
  assert.deepEqual(written, [`${formatProgress('x', counts)}\n`]);
});

test('on a narrow terminal the redrawn line is cut to fit, so it never wraps', () => {
  const written: string[] = [];
  const p = startProgress({ write: (t) => written.push(t), isTTY: true, columns: 40 }, 'x', () => counts);
  p.stop();
  assert.equal(written[0], `\r\x1b[K${formatProgress('x', counts).slice(0, 39)}`);
});
