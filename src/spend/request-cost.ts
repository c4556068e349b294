// A request's cost from its real usage: priced under the model the upstream was asked for (after a
// rename or a fallback), with the upstream's dialect as the dataset's provider.
import type { Usage } from '../dialects/types.ts';
import type { RequestContext } from '../pipeline/context.ts';
import type { PriceBook } from './price-book.ts';

/**
 * Sets `ctx.costUsd` (or `ctx.costUnknown`) once usage is known; does nothing without usage or once
 * priced. Usage of earlier attempts whose bytes reached the client (a stream continued elsewhere)
 * is added in first: the client has those tokens too.
 */
export function priceRequest(ctx: RequestContext, prices: PriceBook): void {
  const earlier = ctx.earlierUsage;
  if (earlier) {
    ctx.earlierUsage = undefined;
    ctx.usage = addUsage(earlier, ctx.usage);
  }
  const usage = ctx.usage;
  if (!usage || !ctx.target || ctx.costUsd !== undefined || ctx.costUnknown) return;
  const sent = ctx.json?.model;
  const model = typeof sent === 'string' ? sent : ctx.model;
  if (model === undefined) return;
  const cost = prices.cost(model, usage, ctx.target.upstream.dialect.name);
  ctx.costUsd = cost?.usd;
  ctx.costUnknown = cost === undefined;
}

/** Two attempts' usage as one. */
export function addUsage(a: Usage, b: Usage | undefined): Usage {
  if (!b) return a;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0),
    cacheWriteTokens: (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0),
  };
}

/** USD as sent in `X-Cooldown-Cost-USD` and written to the log: enough digits for one token. */
export function formatUsd(usd: number): string {
  return usd.toFixed(8);
}
