// Time as a dependency: limiters, queues and timeouts take a Clock so tests run minutes in milliseconds.

export interface Clock {
  /** Wall-clock milliseconds since the epoch (for resets that upstreams report as instants). */
  now(): number;
  /** Monotonic milliseconds, immune to wall-clock jumps (for waits, windows and durations). */
  monotonic(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
};

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to; timers fire in order as `advance` passes them. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Moves the wall clock only, as a system clock jump would. */
  jumpWallClock(ms: number): void;
  pendingTimers(): number;
}

export function createManualClock(startWallMs = Date.UTC(2026, 0, 1)): ManualClock {
  let mono = 0;
  let wallOffset = startWallMs;
  let seq = 0;
  let timers: PendingTimer[] = [];
  return {
    now: () => wallOffset + mono,
    monotonic: () => mono,
    setTimer(ms, fn) {
      const timer = { at: mono + Math.max(0, ms), seq: seq++, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance(ms) {
      const target = mono + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        mono = Math.max(mono, due.at);
        due.fn();
      }
      mono = target;
    },
    jumpWallClock(ms) {
      wallOffset += ms;
    },
    pendingTimers: () => timers.length,
  };
}
