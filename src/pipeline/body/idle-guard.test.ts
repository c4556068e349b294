// BodySilence in virtual time: a body silent for the bound is failed, one that keeps coming is not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createManualClock } from '../../time/clock.ts';
import { BodySilence } from './idle-guard.ts';

test('a silent body is failed with 408 within a quarter of the bound after it; a live one is not', () => {
  const clock = createManualClock();
  const silence = new BodySilence(1000, clock);
  const failed: string[] = [];
  const quiet = silence.watch((err) => failed.push(`quiet ${err.code}`));
  const live = silence.watch(() => failed.push('live'));
  for (let t = 0; t < 2000; t += 100) {
    clock.advance(100);
    live.touch();
  }
  assert.deepEqual(failed, ['quiet request_timeout']);
  live.stop();
  clock.advance(10_000);
  assert.deepEqual(failed, ['quiet request_timeout'], 'a stopped body is not watched');
  assert.equal(clock.pendingTimers(), 0, 'nothing watched, no timer left');
  quiet.stop();
});
