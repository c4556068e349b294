// The load loops in virtual time: pacing, the in-flight bound, stopping by count or duration, the grace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock } from '../time/clock.ts';
import type { Outcome, Send } from './exchange.ts';
import { resolvePlan } from './plan.ts';
import { dueBy, startRun } from './runner.ts';
import { createTally } from './tally.ts';

const OK: Outcome = {
  kind: 'answer',
  status: 200,
  latencyMs: 1,
  ttftMs: undefined,
  usage: undefined,
  message: undefined,
};

/** Lets settled sends' callbacks run (promise jobs only; no time passes). */
async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** A send that answers only when told, or reports aborted when the run aborts it. */
function heldSend() {
  const calls: Array<{ index: number; faulted: boolean; answer: () => void }> = [];
  const send: Send = (index, faulted, signal) =>
    new Promise((resolve) => {
      calls.push({ index, faulted, answer: () => resolve(OK) });
      signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true });
    });
  return { send, calls };
}

describe('dueBy', () => {
  test('the first request at once, then one every 1/rate seconds', () => {
    assert.equal(dueBy(0, 10), 1);
    assert.equal(dueBy(99, 10), 1);
    assert.equal(dueBy(100, 10), 2);
    assert.equal(dueBy(1000, 2.5), 3);
  });
});

describe('startRun', () => {
  test('closed loop: each client sends its next request when its last is answered, up to --requests', async () => {
    const clock = createManualClock();
    const tally = createTally();
    const { send, calls } = heldSend();
    const plan = resolvePlan({ clients: '2', requests: '5', scenario: 'circuit_breaker' }, {});
    const run = startRun({ plan, send, tally, clock, graceMs: 1000 });
    assert.equal(calls.length, 2, 'two clients, two requests in flight');
    // Answering one lets its client send the next, until five were sent.
    for (let i = 0; i < calls.length; i++) {
      assert.ok(run.snapshot().inFlight <= 2);
      calls[i]!.answer();
      await drain();
    }
    assert.equal(calls.length, 5);
    const result = await run.finished;
    assert.equal(result.stoppedBy, 'requests');
    assert.equal(tally.ok, 5);
    assert.equal(run.snapshot().sent, 5);
    tally.close();
  });

  test('the scenario fault goes on the first share of the requests only', async () => {
    const clock = createManualClock();
    const tally = createTally();
    const seen: Array<[number, boolean]> = [];
    const send: Send = async (index, faulted) => {
      seen.push([index, faulted]);
      return OK;
    };
    const plan = resolvePlan({ clients: '1', requests: '6', scenario: 'circuit_breaker' }, {});
    assert.equal(plan.fault?.share, 0.25);
    await startRun({ plan, send, tally, clock, graceMs: 1000 }).finished;
    assert.deepEqual(seen, [
      [0, true],
      [1, true],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
    ]);
    tally.close();
  });

  test('open loop: sends on schedule, skips past --max-in-flight, and aborts what is left after the grace', async () => {
    const clock = createManualClock();
    const tally = createTally();
    const { send, calls } = heldSend();
    const plan = resolvePlan({ rate: '10', duration: '1s', maxInFlight: '3' }, {});
    const run = startRun({ plan, send, tally, clock, graceMs: 500 });
    assert.equal(calls.length, 1, 'the first request goes at once');
    clock.advance(250);
    assert.deepEqual(
      calls.map((c) => c.index),
      [0, 1, 2],
    );
    calls[0]!.answer();
    await drain();
    clock.advance(100); // t=350: request 3 fits in the freed slot
    assert.equal(run.snapshot().inFlight, 3);
    clock.advance(650); // t=1000: due 4..9 all find 3 in flight
    assert.equal(tally.skipped, 6);
    assert.equal(run.snapshot().sent, 4);
    clock.advance(499);
    await drain();
    assert.equal(tally.aborted, 0, 'still in the grace');
    clock.advance(1);
    await drain();
    const result = await run.finished;
    assert.deepEqual([result.stoppedBy, result.elapsedMs], ['duration', 1500]);
    assert.deepEqual([tally.ok, tally.aborted, tally.skipped], [1, 3, 6]);
    assert.equal(clock.pendingTimers(), 0, 'no timer left behind');
    tally.close();
  });

  test('stop() ends the run early: nothing new is sent, what is in flight may finish within the grace', async () => {
    const clock = createManualClock();
    const tally = createTally();
    const { send, calls } = heldSend();
    const plan = resolvePlan({ clients: '2', duration: '1m' }, {});
    const run = startRun({ plan, send, tally, clock, graceMs: 1000 });
    clock.advance(10);
    run.stop();
    for (const c of calls) c.answer();
    const result = await run.finished;
    assert.deepEqual([result.stoppedBy, result.elapsedMs], ['signal', 10]);
    assert.deepEqual([calls.length, tally.ok, tally.aborted], [2, 2, 0]);
    assert.equal(clock.pendingTimers(), 0);
    tally.close();
  });
});
