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

test('bodies stopped in any order leave the rest watched; one failed body stopping another does not fail it', () => {
  const clock = createManualClock();
  const silence = new BodySilence(1000, clock);
  const failed: string[] = [];
  const guards = ['a', 'b', 'c', 'd', 'e'].map((name) => ({
    name,
    guard: silence.watch(() => {
      failed.push(name);
      // Failing "b" ends "c" with it (as a client whose two uploads share a fate).
      if (name === 'b') guards[2]!.guard.stop();
    }),
  }));
  guards[0]!.guard.stop();
  guards[4]!.guard.stop();
  guards[3]!.guard.stop();
  guards[3]!.guard.stop();
  clock.advance(1500);
  assert.deepEqual(failed, ['b'], 'only the silent body still watched is failed; the one it stopped is not');
  assert.equal(clock.pendingTimers(), 0, 'the list is empty again');
  const later = silence.watch(() => failed.push('later'));
  clock.advance(1500);
  assert.deepEqual(failed, ['b', 'later'], 'a body watched after the list emptied is watched');
  later.stop();
});
