// What comes after an attempt that did not end the request, while nothing (or, for a stream being
// rescued, only a part) has reached the client: which verdict, recorded where, and whether to go
// again now, after a backoff, on the route's fallback, or not at all.
//
// With a fallback behind it, a target has only its share of the time (`fallback_after`, from when
// it became the target), and gives up early on what waiting will not cure: an upstream that stays
// silent, 429s that never say when, an open breaker, a reset later than its share.

import type { GatewayError } from '../../errors/gateway-error.ts';
import type { Cost } from '../../limits/cost.ts';
import type { Logger } from '../../log/logger.ts';
import type { Clock } from '../../time/clock.ts';
import { isFirstTokenTimeout, isSilence } from '../../upstreams/failure.ts';
import type { PooledKey } from '../../upstreams/key-pool.ts';
import type { Scheduler } from '../../upstreams/scheduler.ts';
import type { Upstream } from '../../upstreams/upstream.ts';
import type { RequestContext } from '../context.ts';
import { attemptFailed, settleUnspent } from '../exchange/account.ts';
import type { Refusal } from '../exchange/outcome.ts';
import { retarget } from '../route.ts';
import { planCost } from '../schedule.ts';
import { backoffMs, judgeRefusal, type Verdict } from './verdicts.ts';

export interface NextTryDeps {
  clock: Clock;
  logger: Logger;
  /** Where fallbacks are found by name. */
  upstreams: ReadonlyMap<string, Upstream>;
  /** A number in [0, 1), for backoff jitter. */
  random: () => number;
}

/** What to do after an attempt that did not end the request: wait `ms` and go again, or stop. */
export type Next = { again: true; ms: number } | { again: false };
const STOP: Next = { again: false };
const NOW: Next = { again: true, ms: 0 };

/** One request's failover state (kept out of the context: only requests that fail need it). */
export interface Tries {
  /** Failures of the current target, 429s that said nothing of when included. */
  failures: number;
  rounds: number;
  /** Keys that failed this request: passed over while another key can take it (made on the first). */
  tried: Set<PooledKey> | undefined;
  /** How the last held-back answer was judged. */
  verdict: Verdict | undefined;
  /** The whole request must be served by then (monotonic ms). */
  deadline: number;
  /** The current target must be done by then: its share of the time when a fallback follows it. */
  until: number;
  /** Times the current target stayed silent (no head, or no first content, in time). */
  silences: number;
  /** This request already had a key taken out of the pool (one request never removes more). */
  removedKey: boolean;
}

/** Whether the route has a fallback left after the current target. */
export function hasFallback(ctx: RequestContext): boolean {
  return ctx.nextFallback < ctx.fallbacks.length;
}

/** When a target that starts at `from` must be done: all the time left, or its share of it. */
function untilFor(ctx: RequestContext, from: number, deadline: number): number {
  if (!hasFallback(ctx)) return deadline;
  return from + (ctx.modelRoute?.fallback_after ?? 1) * (deadline - from);
}

export function newTries(ctx: RequestContext, deadline: number, from: number): Tries {
  return {
    failures: 0,
    rounds: 0,
    tried: undefined,
    verdict: undefined,
    deadline,
    until: untilFor(ctx, from, deadline),
    silences: 0,
    removedKey: false,
  };
}

/** A new deadline from now (a stream's continuation: it may have outlived the first one). */
export function restartTries(ctx: RequestContext, tries: Tries, deadline: number, now: number): void {
  tries.deadline = deadline;
  tries.until = untilFor(ctx, now, deadline);
}

export function createNextTry(deps: NextTryDeps) {
  /** The upstream's backoff for round `round` (its `retries` settings, jittered). */
  function backoff(ctx: RequestContext, round: number): number {
    const retries = ctx.target!.upstream.config.retries;
    return backoffMs(round, { baseMs: retries.backoff, maxMs: retries.max_backoff, random: deps.random });
  }

  /**
   * The route's next fallback becomes the target; false when there is none left. `from`: the
   * scheduler given up on, whose breakers then probe sooner (the fallback serves meanwhile).
   */
  function toFallback(ctx: RequestContext, tries: Tries, from?: Scheduler): boolean {
    while (hasFallback(ctx)) {
      const fallback = ctx.fallbacks[ctx.nextFallback++]!;
      const upstream = deps.upstreams.get(fallback.upstream);
      if (!upstream) continue;
      from?.pool.probeSooner();
      // Without a model of its own, a fallback gets the model the client asked for.
      retarget(ctx, upstream, fallback.model ?? ctx.model);
      planCost(ctx);
      tries.failures = 0;
      tries.rounds = 0;
      tries.silences = 0;
      tries.tried?.clear();
      tries.until = untilFor(ctx, deps.clock.monotonic(), tries.deadline);
      return true;
    }
    return false;
  }

  /**
   * After a failure of the key (already recorded): another key now, a backoff once all failed, or
   * stop. A silent upstream stays silent: with a fallback, one other key at most, then the fallback.
   */
  function afterFailure(
    ctx: RequestContext,
    scheduler: Scheduler,
    tries: Tries,
    failure?: GatewayError,
  ): Next {
    const upstream = ctx.target!.upstream;
    tries.failures++;
    tries.tried ??= new Set();
    tries.tried.add(ctx.lease!.key);
    if (failure && hasFallback(ctx) && isSilence(failure)) {
      if (isFirstTokenTimeout(failure) || tries.silences++ > 0 || scheduler.pool.usable < 2) return STOP;
    }
    if (tries.failures > upstream.config.retries.max) return STOP;
    return retryIn(ctx, scheduler, tries);
  }

  /** Another key now, or a backoff once every key failed it; STOP when that runs past the time. */
  function retryIn(ctx: RequestContext, scheduler: Scheduler, tries: Tries): Next {
    let rest = 0;
    if (tries.tried && tries.tried.size >= scheduler.pool.usable) {
      rest = backoff(ctx, tries.rounds++);
      tries.tried.clear();
    }
    const queued = scheduler.waitFor(ctx.cost!);
    if (Math.max(rest, queued) >= tries.until - deps.clock.monotonic()) return STOP;
    // An open breaker already makes the request wait; the backoff only adds what is missing.
    return { again: true, ms: Math.max(0, rest - queued) };
  }

  /** Go again now if some key can take `cost` within this target's share of the time. */
  function withinShare(scheduler: Scheduler, cost: Cost, tries: Tries): Next {
    return scheduler.waitFor(cost) < tries.until - deps.clock.monotonic() ? NOW : STOP;
  }

  /** An answer held back from the client: judge it, record it, and say what comes next. */
  async function afterRefusal(
    ctx: RequestContext,
    refusal: Refusal,
    scheduler: Scheduler,
    tries: Tries,
  ): Promise<Next> {
    const lease = ctx.lease!;
    const verdict = judgeRefusal(ctx, refusal);
    tries.verdict = verdict;
    // Record before the reservation is released, so no one waiting slips onto a failing key.
    switch (verdict) {
      case 'rate_limited': {
        lease.rateLimited();
        const cost = ctx.cost!;
        if (!refusal.resetKnown) {
          // Nothing says when room comes back: counted like a failure, so an upstream that keeps
          // refusing hands over to the fallback (or answers) after `retries.max`.
          lease.pause(backoff(ctx, tries.failures));
          settleUnspent(ctx);
          tries.failures++;
          if (tries.failures > ctx.target!.upstream.config.retries.max) return STOP;
          return withinShare(scheduler, cost, tries);
        }
        // A 429 whose headers already showed the window empty needs no extra pause; otherwise rest a while.
        const pause =
          refusal.retryAfterMs || (lease.key.budget.waitFor(cost) > 0 ? 0 : backoff(ctx, ctx.attempts));
        if (pause > 0) lease.pause(pause);
        settleUnspent(ctx);
        // A reset later than this target's share of the time: the fallback serves it now.
        return withinShare(scheduler, cost, tries);
      }
      case 'failed':
        if (refusal.retryAfterMs !== undefined) lease.pause(refusal.retryAfterMs);
        attemptFailed(ctx, refusal.retryAfterMs);
        settleUnspent(ctx);
        return afterFailure(ctx, scheduler, tries);
      case 'key_rejected': {
        // A 401 may be about the request (a header the client sent), not the key: the key leaves
        // the pool only once a request of the gateway's own confirms it, one key per request.
        const upstream = ctx.target!.upstream;
        const verdict = tries.removedKey ? 'unknown' : await upstream.keyCheck.check(lease.key);
        if (verdict !== 'bad') {
          lease.succeeded();
          settleUnspent(ctx);
          tries.verdict = 'final';
          return STOP;
        }
        tries.removedKey = true;
        lease.removeKey(`the upstream answered ${refusal.status}, and to the key alone`);
        deps.logger.error(
          { upstream: upstream.name, key: lease.key.label, status: refusal.status },
          'the upstream refused this key: it is out of the pool until the config is reloaded',
        );
        settleUnspent(ctx);
        return scheduler.pool.usable > 0 ? NOW : STOP;
      }
      default:
        // The upstream is healthy; it just will not serve this request (here, or at all).
        lease.succeeded();
        settleUnspent(ctx);
        return STOP;
    }
  }

  return { toFallback, afterFailure, afterRefusal };
}
