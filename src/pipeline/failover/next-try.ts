// What comes after an attempt that did not end the request, while nothing (or, for a stream being
// rescued, only a part) has reached the client: which verdict, recorded where, and whether to go
// again now, after a backoff, on the route's fallback, or not at all.
import type { Logger } from '../../log/logger.ts';
import type { Clock } from '../../time/clock.ts';
import type { PooledKey } from '../../upstreams/key-pool.ts';
import type { Scheduler } from '../../upstreams/scheduler.ts';
import type { Upstream } from '../../upstreams/upstream.ts';
import type { RequestContext } from '../context.ts';
import { settleUnspent } from '../exchange/account.ts';
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
  failures: number;
  rounds: number;
  /** Keys that failed this request: passed over while another key can take it (made on the first). */
  tried: Set<PooledKey> | undefined;
  /** How the last held-back answer was judged. */
  verdict: Verdict | undefined;
}

export function newTries(): Tries {
  return { failures: 0, rounds: 0, tried: undefined, verdict: undefined };
}

export function createNextTry(deps: NextTryDeps) {
  /** The upstream's backoff for round `round` (its `retries` settings, jittered). */
  function backoff(ctx: RequestContext, round: number): number {
    const retries = ctx.target!.upstream.config.retries;
    return backoffMs(round, { baseMs: retries.backoff, maxMs: retries.max_backoff, random: deps.random });
  }

  /** The route's next fallback becomes the target; false when there is none left. */
  function toFallback(ctx: RequestContext, tries: Tries): boolean {
    while (ctx.nextFallback < ctx.fallbacks.length) {
      const fallback = ctx.fallbacks[ctx.nextFallback++]!;
      const upstream = deps.upstreams.get(fallback.upstream);
      if (!upstream) continue;
      // Without a model of its own, a fallback gets the model the client asked for.
      retarget(ctx, upstream, fallback.model ?? ctx.model);
      planCost(ctx);
      tries.failures = 0;
      tries.rounds = 0;
      tries.tried?.clear();
      return true;
    }
    return false;
  }

  /** After a failure of the key (already recorded): another key now, or a backoff once all failed. */
  function afterFailure(ctx: RequestContext, scheduler: Scheduler, deadline: number, tries: Tries): Next {
    const upstream = ctx.target!.upstream;
    tries.failures++;
    tries.tried ??= new Set();
    tries.tried.add(ctx.lease!.key);
    if (tries.failures > upstream.config.retries.max) return STOP;
    let rest = 0;
    if (tries.tried.size >= scheduler.pool.usable) {
      rest = backoff(ctx, tries.rounds++);
      tries.tried.clear();
    }
    const queued = scheduler.waitFor(ctx.cost!);
    if (Math.max(rest, queued) >= deadline - deps.clock.monotonic()) return STOP;
    // An open breaker already makes the request wait; the backoff only adds what is missing.
    return { again: true, ms: Math.max(0, rest - queued) };
  }

  /** An answer held back from the client: judge it, record it, and say what comes next. */
  function afterRefusal(
    ctx: RequestContext,
    refusal: Refusal,
    scheduler: Scheduler,
    deadline: number,
    tries: Tries,
  ): Next {
    const lease = ctx.lease!;
    const verdict = judgeRefusal(ctx, refusal);
    tries.verdict = verdict;
    // Record before the reservation is released, so no one waiting slips onto a failing key.
    switch (verdict) {
      case 'rate_limited': {
        lease.rateLimited();
        const cost = ctx.cost!;
        // A 429 whose headers already showed the window empty needs no extra pause; otherwise rest a while.
        const pause =
          refusal.retryAfterMs || (lease.key.budget.waitFor(cost) > 0 ? 0 : backoff(ctx, ctx.attempts));
        if (pause > 0) lease.pause(pause);
        settleUnspent(ctx);
        return scheduler.waitFor(cost) < deadline - deps.clock.monotonic() ? NOW : STOP;
      }
      case 'failed':
        if (refusal.retryAfterMs !== undefined) lease.pause(refusal.retryAfterMs);
        lease.failed(refusal.retryAfterMs);
        settleUnspent(ctx);
        return afterFailure(ctx, scheduler, deadline, tries);
      case 'key_rejected':
        lease.removeKey(`the upstream answered ${refusal.status}`);
        deps.logger.error(
          { upstream: ctx.target!.upstream.name, key: lease.key.label, status: refusal.status },
          'the upstream refused this key: it is out of the pool until the config is reloaded',
        );
        settleUnspent(ctx);
        return scheduler.pool.usable > 0 ? NOW : STOP;
      default:
        // The upstream is healthy; it just will not serve this request (here, or at all).
        lease.succeeded();
        settleUnspent(ctx);
        return STOP;
    }
  }

  return { toFallback, afterFailure, afterRefusal };
}
