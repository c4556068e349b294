// Drives a load test: a closed loop (N clients, each sending when its last answer is in) or an open
// loop (requests sent on a schedule whatever the answers take), until the duration or the request
// count is reached. Then nothing new is sent; what is still in flight gets a short grace and is
// aborted.
//
//   running --(duration | requests all answered | stop())--> stopping --(in flight = 0)--> finished
//                                                              \--(grace over: abort all)--/
import { setMaxListeners } from 'node:events';
import type { Clock } from '../time/clock.ts';
import type { Send } from './exchange.ts';
import { type LoadPlan, runShare } from './plan.ts';
import type { Tally } from './tally.ts';

export type StopReason = 'duration' | 'requests' | 'signal';

export interface RunResult {
  readonly stoppedBy: StopReason;
  readonly elapsedMs: number;
}

export interface RunSnapshot {
  readonly elapsedMs: number;
  readonly sent: number;
  readonly inFlight: number;
}

export interface Run {
  /** Stops sending now (a user's Ctrl-C); what is in flight gets the grace, as at the end. */
  stop(): void;
  readonly finished: Promise<RunResult>;
  snapshot(): RunSnapshot;
}

export interface RunDeps {
  readonly plan: Pick<
    LoadPlan,
    'loop' | 'clients' | 'rate' | 'durationMs' | 'requests' | 'maxInFlight' | 'fault'
  >;
  readonly send: Send;
  readonly tally: Tally;
  readonly clock: Clock;
  /** How long requests in flight at the end may take to finish before they are aborted. */
  readonly graceMs: number;
}

/** Requests an open loop at `rate` per second has due by `elapsedMs`: the first at 0. */
export function dueBy(elapsedMs: number, rate: number): number {
  return Math.floor((elapsedMs * rate) / 1000) + 1;
}

export function startRun({ plan, send, tally, clock, graceMs }: RunDeps): Run {
  const start = clock.monotonic();
  const elapsed = () => clock.monotonic() - start;
  const controller = new AbortController();
  // Every request in flight listens on this one signal; that is expected, not a leak.
  setMaxListeners(plan.maxInFlight + 16, controller.signal);
  const limit = plan.requests ?? Number.POSITIVE_INFINITY;
  let scheduled = 0;
  let sent = 0;
  let inFlight = 0;
  let stopping: StopReason | undefined;
  let cancelDeadline = () => {};
  let cancelGrace = () => {};
  let cancelTick = () => {};
  let finalElapsedMs: number | undefined;
  let resolveFinished!: (result: RunResult) => void;
  const finished = new Promise<RunResult>((resolve) => {
    resolveFinished = resolve;
  });
  let done = false;

  const finish = (stoppedBy: StopReason) => {
    if (done) return;
    done = true;
    cancelDeadline();
    cancelGrace();
    cancelTick();
    finalElapsedMs = elapsed();
    resolveFinished({ stoppedBy, elapsedMs: finalElapsedMs });
  };

  const settle = () => {
    if (inFlight > 0) return;
    if (stopping !== undefined) finish(stopping);
    else if (scheduled >= limit) finish('requests');
  };

  const launch = (index: number): Promise<void> => {
    const faulted = plan.fault !== undefined && runShare(plan, elapsed(), index) < plan.fault.share;
    sent++;
    inFlight++;
    return send(index, faulted, controller.signal)
      .then(
        (outcome) => tally.record(outcome),
        () => tally.record({ kind: 'failed', reason: 'network', status: undefined }),
      )
      .finally(() => {
        inFlight--;
        settle();
      });
  };

  const beginStop = (reason: StopReason) => {
    if (stopping !== undefined || done) return;
    stopping = reason;
    cancelTick();
    if (inFlight === 0) return finish(reason);
    cancelGrace = clock.setTimer(graceMs, () => controller.abort());
  };

  const closedLoop = (clients: number) => {
    const client = async () => {
      while (stopping === undefined && scheduled < limit) await launch(scheduled++);
    };
    for (let i = 0; i < clients; i++) void client();
  };

  const openLoop = (rate: number) => {
    const tick = () => {
      if (stopping !== undefined) return;
      const due = Math.min(dueBy(elapsed(), rate), limit);
      while (scheduled < due) {
        const index = scheduled++;
        // Past the bound the request is skipped, not queued: memory stays flat and the count says so.
        if (inFlight >= plan.maxInFlight) tally.skip();
        else void launch(index);
      }
      if (scheduled >= limit) return settle();
      cancelTick = clock.setTimer(Math.max(0, (scheduled * 1000) / rate - elapsed()), tick);
    };
    tick();
  };

  cancelDeadline = clock.setTimer(plan.durationMs, () => beginStop('duration'));
  if (plan.loop === 'open') openLoop(plan.rate ?? 1);
  else closedLoop(plan.clients ?? 1);

  return {
    stop: () => beginStop('signal'),
    finished,
    snapshot: () => ({ elapsedMs: finalElapsedMs ?? elapsed(), sent, inFlight }),
  };
}
