// Learn from every answer and settle every reservation: what keeps the limiter's view true.
import { readRateLimits } from '../../dialects/rate-limit-headers.ts';
import type { HeaderBag, RateLimitReading, Usage } from '../../dialects/types.ts';
import type { Cost } from '../../limits/cost.ts';
import type { Logger } from '../../log/logger.ts';
import type { PriceBook } from '../../spend/price-book.ts';
import type { SettleSpend } from '../../spend/spend-settler.ts';
import type { Clock } from '../../time/clock.ts';
import type { RequestContext } from '../context.ts';

export interface AccountDeps {
  clock: Clock;
  logger: Logger;
  /** Prices answers for `X-Cooldown-Cost-USD`. */
  prices: PriceBook;
  /** Writes a request's spend; a whole answer or finished stream ends once it is on file. */
  settleSpend: SettleSpend;
}

/** The answer's rate-limit headers update the key's live state; returns what they said. */
export function learn(
  ctx: RequestContext,
  headers: HeaderBag,
  deps: AccountDeps,
): RateLimitReading | undefined {
  const lease = ctx.lease;
  if (!lease) return undefined;
  const reading = readRateLimits(ctx.target!.upstream.dialect.rateLimitHeaders, headers, deps.clock.now());
  if (reading.rejected.length > 0) {
    deps.logger.debug(
      { id: ctx.id, upstream: ctx.target!.upstream.name, ignored: reading.rejected },
      'rate-limit headers ignored',
    );
  }
  lease.learn(reading);
  return reading;
}

/** Real usage replaces the estimate; without usage (an aborted stream) the estimate stands. */
export function settle(ctx: RequestContext, usage: Usage | undefined): void {
  const lease = ctx.lease;
  if (!lease) return;
  const actual: Cost | undefined = usage
    ? { requests: 1, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }
    : ctx.kind === 'rest'
      ? ctx.cost
      : undefined;
  lease.settle(actual);
}

/** The upstream refused or was never reached: it spent one request at most, and no tokens. */
export function settleUnspent(ctx: RequestContext): void {
  ctx.lease?.settle({ requests: 1, inputTokens: 0, outputTokens: 0 });
}

/** The attempt failed: its key's and upstream's breakers hear it, once per request (see Lease.failed). */
export function attemptFailed(ctx: RequestContext, minOpenMs?: number): void {
  const lease = ctx.lease;
  if (!lease) return;
  ctx.judgedBy ??= new Set();
  lease.failed(minOpenMs, ctx.judgedBy);
}
