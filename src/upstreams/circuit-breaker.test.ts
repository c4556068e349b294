// CircuitBreaker: opening on a run of failures or a failure ratio, cool-down, half-open probe, back-off.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock, type ManualClock } from '../time/clock.ts';
import { type BreakerSettings, CircuitBreaker, isProbe } from './circuit-breaker.ts';
import type { SharedBreakers } from './shared-breakers.ts';

/** Processes on one shared store, in one test: what one announces the others hear at once. */
class SharedBoard implements SharedBreakers {
  readonly announced: Array<[string, number]> = [];
  readonly #followers = new Map<string, Array<(until: number) => void>>();
  #speaking: ((until: number) => void) | undefined;

  /** One process's view: its announcements reach every follower but its own. */
  member(): SharedBreakers {
    let mine: ((until: number) => void) | undefined;
    return {
      announce: (id, until) => {
        this.#speaking = mine;
        this.announce(id, until);
        this.#speaking = undefined;
      },
      follow: (id, heard) => {
        mine = heard;
        this.follow(id, heard);
      },
      unfollow: (id) =>
        this.#followers.set(
          id,
          (this.#followers.get(id) ?? []).filter((f) => f !== mine),
        ),
    };
  }

  announce(id: string, until: number): void {
    this.announced.push([id, until]);
    for (const f of this.#followers.get(id) ?? []) if (f !== this.#speaking) f(until);
  }
  follow(id: string, heard: (until: number) => void): void {
    this.#followers.set(id, [...(this.#followers.get(id) ?? []), heard]);
  }
  unfollow(): void {}
}

const settings = (over: Partial<BreakerSettings> = {}): BreakerSettings => ({
  failures: 3,
  failureRatio: 0.5,
  minRequests: 10,
  cooldownMs: 10_000,
  maxCooldownMs: 25_000,
  probeIntervalMs: 15_000,
  ...over,
});

function breaker(over: Partial<BreakerSettings> = {}): { clock: ManualClock; b: CircuitBreaker } {
  const clock = createManualClock();
  return { clock, b: new CircuitBreaker(settings(over), clock) };
}

/** Fails until the breaker opens (it must within `max` failures). */
function openIt(b: CircuitBreaker, max = 100): void {
  for (let i = 0; i < max && b.state === 'closed'; i++) b.failure();
  assert.equal(b.state, 'open');
}

describe('CircuitBreaker', () => {
  test('stays closed below the consecutive-failure threshold, and a success resets the run', () => {
    const { b } = breaker();
    b.failure();
    b.failure();
    assert.equal(b.state, 'closed');
    assert.equal(b.waitMs(), 0);
    b.success();
    b.failure();
    b.failure();
    assert.equal(b.state, 'closed', 'the success ended the run: two failures are not three');
    assert.equal(b.waitMs(), 0);
    b.failure();
    assert.equal(b.state, 'open', 'three in a row');
  });

  test('opens after `failures` consecutive failures for the cool-down, counting down with the clock', () => {
    const { clock, b } = breaker();
    b.failure();
    b.failure();
    b.failure();
    assert.equal(b.state, 'open');
    assert.equal(b.waitMs(), 10_000);
    clock.advance(4_000);
    assert.equal(b.waitMs(), 6_000);
    assert.equal(b.state, 'open');
    clock.advance(5_999);
    assert.equal(b.waitMs(), 1);
    assert.equal(b.state, 'open');
    clock.advance(1);
    assert.equal(b.waitMs(), 0);
    assert.equal(b.state, 'half_open');
  });

  test('opens on the failure ratio, only once `minRequests` outcomes were seen', () => {
    const { b } = breaker({ failures: 100, minRequests: 10, failureRatio: 0.5 });
    for (let i = 0; i < 9; i++) b.failure();
    assert.equal(b.state, 'closed', '9 failures of 9, but fewer than minRequests outcomes');
    b.failure();
    assert.equal(b.state, 'open', '10 of 10 failed');
  });

  test('the failure ratio opens it without a run of failures', () => {
    const { b } = breaker({ failures: 3, minRequests: 10, failureRatio: 0.5 });
    // S F S F S F S F S: 4 failures of 9 outcomes, never two in a row.
    for (let i = 0; i < 9; i++) {
      if (i % 2 === 0) b.success();
      else b.failure();
    }
    assert.equal(b.state, 'closed');
    b.failure(); // 5 of 10
    assert.equal(b.state, 'open');
    assert.equal(b.waitMs(), 10_000);
  });

  test('the failure ratio counts only the last 20 outcomes', () => {
    const { b } = breaker({ failures: 100, minRequests: 4, failureRatio: 0.5 });
    for (let i = 0; i < 20; i++) b.success();
    // Over all 29 outcomes 9 failures would be 31%; over the last 20 it is 45%.
    for (let i = 0; i < 9; i++) b.failure();
    assert.equal(b.state, 'closed', '9 failures in the last 20');
    b.failure();
    assert.equal(b.state, 'open', '10 failures in the last 20 (only a third of all 30)');
  });

  test('after the cool-down it is half-open; the first sender is the probe and the next one waits', () => {
    const { clock, b } = breaker();
    openIt(b);
    assert.ok(b.waitMs() > 0);
    clock.advance(10_000);
    assert.equal(b.state, 'half_open');
    assert.equal(b.waitMs(), 0);
    b.onSend();
    assert.ok(b.waitMs() > 0, 'a probe is out: a second caller waits');
    assert.equal(b.state, 'half_open');
  });

  test('a successful probe closes it and resets the back-off', () => {
    const { clock, b } = breaker();
    openIt(b);
    clock.advance(10_000);
    b.failure(0, b.onSend()); // the probe failed: open for 20 s
    assert.equal(b.stats().opens, 2);
    clock.advance(20_000);
    const probe = b.onSend();
    assert.equal(isProbe(probe), true, 'this send is the probe');
    b.success(probe);
    assert.equal(b.state, 'closed');
    assert.equal(b.waitMs(), 0);
    assert.deepEqual(b.stats(), { state: 'closed', opens: 0 });
    openIt(b);
    assert.equal(b.waitMs(), 10_000, 'the next opening starts again at the first cool-down');
    assert.equal(b.stats().opens, 1);
  });

  test('a late success from before it opened does not close it; only the probe does', () => {
    const { clock, b } = breaker();
    const before = b.onSend(); // sent while it was still closed
    openIt(b);
    b.success(before);
    assert.equal(b.state, 'open');
    clock.advance(10_000);
    const probe = b.onSend();
    assert.equal(isProbe(probe), true);
    const other = b.onSend();
    assert.equal(isProbe(other), false, 'one probe at a time');
    b.success(other);
    assert.equal(b.state, 'half_open', 'a non-probe answer says nothing about now');
    b.success(probe);
    assert.equal(b.state, 'closed');
  });

  test('a late failure from before it opened neither reopens it nor counts', () => {
    const { clock, b } = breaker();
    const before = b.onSend();
    openIt(b);
    clock.advance(10_000);
    const probe = b.onSend();
    b.failure(0, before);
    assert.equal(b.state, 'half_open');
    b.success(probe);
    b.failure(0, before);
    b.failure(0, before);
    b.failure(0, before);
    assert.equal(b.state, 'closed', 'old failures do not count toward a new opening');
  });

  test('a failed probe reopens it for twice as long, capped at maxCooldownMs', () => {
    const { clock, b } = breaker({ cooldownMs: 10_000, maxCooldownMs: 25_000 });
    openIt(b);
    const expected = [20_000, 25_000, 25_000];
    let wait = b.waitMs();
    assert.equal(wait, 10_000);
    for (const next of expected) {
      clock.advance(wait);
      assert.equal(b.state, 'half_open');
      b.failure(0, b.onSend());
      assert.equal(b.state, 'open');
      wait = b.waitMs();
      assert.equal(wait, next);
    }
    assert.equal(b.stats().opens, 4);
  });

  test('a Retry-After longer than the cool-down is how long it stays open', () => {
    const { clock, b } = breaker();
    b.failure();
    b.failure();
    b.failure(30_000);
    assert.equal(b.state, 'open');
    assert.equal(b.waitMs(), 30_000);
    clock.advance(10_000);
    assert.equal(b.state, 'open', 'the cool-down alone would be over');
    assert.equal(b.waitMs(), 20_000);
    clock.advance(20_000);
    assert.equal(b.state, 'half_open');
  });

  test('a Retry-After shorter than the cool-down changes nothing', () => {
    const { b } = breaker();
    b.failure();
    b.failure();
    b.failure(2_000);
    assert.equal(b.waitMs(), 10_000);
  });

  test('a failure while open (from before it opened) changes nothing', () => {
    const { clock, b } = breaker();
    openIt(b);
    clock.advance(5_000);
    b.failure(15_000);
    assert.equal(b.state, 'open');
    assert.equal(b.waitMs(), 5_000);
    assert.equal(b.stats().opens, 1, 'not a new opening');
  });

  test('release() frees the half-open probe without a verdict', () => {
    const { clock, b } = breaker();
    openIt(b);
    clock.advance(10_000);
    const probe = b.onSend();
    const other = b.onSend();
    assert.ok(b.waitMs() > 0);
    b.release(other);
    assert.ok(b.waitMs() > 0, 'only the probe frees the probe');
    b.release(probe);
    assert.equal(b.state, 'half_open', 'neither closed nor reopened');
    assert.equal(b.waitMs(), 0, 'another probe may go');
    assert.equal(b.stats().opens, 1);
    b.onSend();
    assert.ok(b.waitMs() > 0, 'the next sender is the probe again');
  });

  test('stats() shows the state, the time until a probe may go, and the openings', () => {
    const { clock, b } = breaker();
    assert.deepEqual(b.stats(), { state: 'closed', opens: 0 });
    openIt(b);
    assert.deepEqual(b.stats(), { state: 'open', closes_in_ms: 10_000, opens: 1 });
    clock.advance(3_500);
    assert.deepEqual(b.stats(), { state: 'open', closes_in_ms: 6_500, opens: 1 });
    clock.advance(6_500);
    assert.deepEqual(b.stats(), { state: 'half_open', opens: 1 });
    b.failure(0, b.onSend());
    assert.deepEqual(b.stats(), { state: 'open', closes_in_ms: 20_000, opens: 2 });
  });
  test('while a fallback serves, an open breaker probes within probe_interval whatever its cool-down', () => {
    const { clock, b } = breaker({ cooldownMs: 60_000, maxCooldownMs: 10 * 60_000, probeIntervalMs: 15_000 });
    openIt(b);
    // Two failed probes: the cool-down has grown to four minutes.
    for (let i = 0; i < 2; i++) {
      clock.advance(b.waitMs());
      const probe = b.onSend();
      assert.ok(isProbe(probe));
      b.failure(0, probe);
    }
    assert.equal(b.waitMs(), 4 * 60_000);
    clock.advance(1000);
    b.probeSooner();
    assert.equal(b.waitMs(), 14_000, 'fifteen seconds from when it opened');
    clock.advance(14_000);
    assert.equal(b.state, 'half_open');
    const probe = b.onSend();
    b.success(probe);
    assert.equal(b.state, 'closed', 'a recovered upstream is back');
  });

  test('probing sooner never goes under the Retry-After the upstream gave', () => {
    const { clock, b } = breaker({ failures: 1, cooldownMs: 60_000, probeIntervalMs: 15_000 });
    b.failure(30_000);
    b.probeSooner();
    assert.equal(b.waitMs(), 30_000);
    clock.advance(30_000);
    assert.equal(b.state, 'half_open');
    b.probeSooner();
    assert.equal(b.state, 'half_open', 'nothing to do once it is not open');
  });

  describe('shared with other processes', () => {
    function pair() {
      const clock = createManualClock();
      const board = new SharedBoard();
      const [a, b] = [0, 1].map(() => {
        const breaker = new CircuitBreaker(settings({ failures: 1 }), clock);
        breaker.share({ breakers: board.member(), id: 'up' });
        return breaker;
      }) as [CircuitBreaker, CircuitBreaker];
      return { clock, board, a, b };
    }

    test('opened in one process, it is open in the other until the same instant', () => {
      const { clock, board, a, b } = pair();
      a.failure(12_000);
      assert.deepEqual(board.announced, [['up', clock.now() + 12_000]]);
      assert.equal(b.state, 'open');
      assert.equal(b.waitMs(), 12_000);
      clock.advance(12_000);
      assert.equal(b.state, 'half_open', 'then each process probes for itself');
      assert.equal(board.announced.length, 1, 'what it heard it does not announce again');
    });

    test('a probe that closes it in one process closes it in the other, and wakes its waiters', () => {
      const { clock, board, a, b } = pair();
      let woken = 0;
      b.onClose(() => woken++);
      a.failure();
      clock.advance(10_000);
      a.success(a.onSend());
      assert.deepEqual(board.announced.at(-1), ['up', 0]);
      assert.equal(b.state, 'closed');
      assert.equal(woken, 1);
    });

    test("an outcome sent before the other process's opening says nothing after it", () => {
      const { b, a } = pair();
      const before = b.onSend();
      a.failure();
      b.success(before);
      assert.equal(b.state, 'open', 'a late success from before the opening does not close it');
    });

    test('an opening heard that ends sooner than its own changes nothing', () => {
      const { clock, board, b } = pair();
      b.failure(30_000);
      board.announce('up', clock.now() + 1_000); // a third process, opened for less
      assert.equal(b.waitMs(), 30_000, 'still open for its own longer Retry-After');
    });
  });
});
