// Progress output: one line redrawn on a terminal, a plain line a second elsewhere, in virtual time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock } from '../time/clock.ts';
import { type ProgressView, progressLine, startProgress } from './progress.ts';

const view = (over: Partial<ProgressView> = {}): ProgressView => ({
  elapsedMs: 2500,
  ok: 40,
  failed: 9,
  aborted: 1,
  inFlight: 3,
  durationMs: 10_000,
  requests: undefined,
  ...over,
});

describe('progressLine', () => {
  test('elapsed, done, ok/failed, in flight and req/s; the bar on a terminal only', () => {
    assert.equal(
      progressLine(view(), true),
      '[######..................] 2.5s/10.0s  done 50  ok 40  failed 9  in flight 3  20.0 req/s',
    );
    assert.equal(
      progressLine(view(), false),
      '2.5s/10.0s  done 50  ok 40  failed 9  in flight 3  20.0 req/s',
    );
  });

  test('with --requests the count shows its bound and moves the bar; past the duration it is finishing', () => {
    assert.match(progressLine(view({ requests: 100 }), true), /^\[#{12}\.{12}\] .* done 50\/100 /);
    assert.match(progressLine(view({ elapsedMs: 10_400 }), false), /^10\.4s\/10\.0s finishing {2}done 50/);
  });
});

describe('startProgress', () => {
  test('a terminal gets one line redrawn in place, then a newline', () => {
    const clock = createManualClock();
    let text = '';
    let n = 0;
    const p = startProgress(clock, { isTTY: true, write: (t: string) => (text += t) }, () =>
      view({ ok: n++ }),
    );
    clock.advance(1000);
    p.stop();
    assert.equal(text.split('\r').length - 1, 7, 'drawn at start, every 200 ms, and at the end');
    assert.ok(text.endsWith('\x1b[K\n'));
    assert.equal(text.split('\n').length, 2, 'one line');
    assert.equal(clock.pendingTimers(), 0);
  });

  test('elsewhere: a plain line once a second and one at the end, no control characters', () => {
    const clock = createManualClock();
    const lines: string[] = [];
    const p = startProgress(clock, { write: (t: string) => lines.push(t) }, () => view());
    clock.advance(3500);
    p.stop();
    assert.equal(lines.length, 4);
    assert.ok(lines.every((l) => l.endsWith('req/s\n') && !l.includes('\r') && !l.includes('\x1b')));
    assert.equal(clock.pendingTimers(), 0);
  });
});
