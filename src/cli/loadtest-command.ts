// `cooldown loadtest`: load on a gateway or any OpenAI/Anthropic-compatible API, with live progress,
// then a report (and its JSON with --output). Ctrl-C ends the run early and still reports.
import { writeFile } from 'node:fs/promises';
import { Pool } from 'undici';
import { createSend } from '../loadtest/exchange.ts';
import { LoadtestError } from '../loadtest/loadtest-error.ts';
import { type LoadPlan, type LoadtestOptions, resolvePlan } from '../loadtest/plan.ts';
import { startProgress } from '../loadtest/progress.ts';
import { buildReport, loadOf } from '../loadtest/report.ts';
import { describeLoad, formatReport } from '../loadtest/report-text.ts';
import { startRun } from '../loadtest/runner.ts';
import { createTally } from '../loadtest/tally.ts';
import { createWorkload } from '../loadtest/workload.ts';
import { type Clock, systemClock } from '../time/clock.ts';

/** How long requests still in flight when the run ends may take before they are aborted. */
export const GRACE_MS = 1000;

/**
 * The system clock's timers are unref'd, so they never keep a gateway from exiting; a load test's
 * timers are what keeps the process alive between two requests of a slow open loop.
 */
const heldClock: Clock = {
  now: systemClock.now,
  monotonic: systemClock.monotonic,
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

function fail(err: LoadtestError, exitCode: number): never {
  process.stderr.write(`cooldown loadtest: ${err.message} (${err.code})\n`);
  process.exit(exitCode);
}

function planOrExit(options: LoadtestOptions): LoadPlan {
  try {
    return resolvePlan(options, process.env);
  } catch (err) {
    if (err instanceof LoadtestError) fail(err, 2);
    throw err;
  }
}

export async function runLoadtest(options: LoadtestOptions): Promise<void> {
  const plan = planOrExit(options);
  const clock = heldClock;
  // Connections open as requests need them, up to the concurrency the plan allows.
  const pool = new Pool(plan.origin, { connections: plan.clients ?? plan.maxInFlight });
  const tally = createTally();
  const send = createSend({ plan, workload: createWorkload(plan), dispatcher: pool, clock });
  const out = process.stdout;
  const startedAt = new Date(clock.now());
  const run = startRun({ plan, send, tally, clock, graceMs: GRACE_MS });
  let interrupted = false;
  const onSignal = () => {
    // A second Ctrl-C does not wait for the grace.
    if (interrupted) process.exit(130);
    interrupted = true;
    run.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Written once Ctrl-C is handled: a script that waits for this line may send it.
  out.write(`loadtest ${describeLoad(loadOf(plan))} on ${plan.origin}${plan.path}\n`);
  const progress = startProgress(clock, out, () => {
    const { elapsedMs, inFlight } = run.snapshot();
    return {
      elapsedMs,
      inFlight,
      ok: tally.ok,
      failed: tally.failed,
      aborted: tally.aborted,
      durationMs: plan.durationMs,
      requests: plan.requests,
    };
  });

  const result = await run.finished;
  progress.stop();
  await pool.close();
  const report = buildReport({ plan, tally, result, startedAt });
  tally.close();
  out.write(formatReport(report));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (plan.output !== undefined) {
    try {
      await writeFile(plan.output, `${JSON.stringify(report, null, 2)}\n`);
    } catch (err) {
      fail(
        new LoadtestError('output_failed', `--output ${plan.output}: ${(err as Error).message}`, {
          cause: err,
        }),
        1,
      );
    }
  }
}
