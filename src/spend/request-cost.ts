// A request's cost from its real usage: priced under the model the upstream was asked for (after a
// rename or a fallback), with the upstream's dialect as the dataset's provider.
import type { RequestContext } from '../pipeline/context.ts';
import type { PriceBook } from './price-book.ts';

/** Sets `ctx.costUsd` (or `ctx.costUnknown`) once usage is known; does nothing without usage or once priced. */
export function priceRequest(ctx: RequestContext, prices: PriceBook): void {
  const usage = ctx.usage;
  if (!usage || !ctx.target || ctx.costUsd !== undefined || ctx.costUnknown) return;
  const sent = ctx.json?.model;
  const model = typeof sent === 'string' ? sent : ctx.model;
  if (model === undefined) return;
  const cost = prices.cost(model, usage, ctx.target.upstream.dialect.name);
  ctx.costUsd = cost?.usd;
  ctx.costUnknown = cost === undefined;
}

/** USD as sent in `X-Cooldown-Cost-USD` and written to the log: enough digits for one token. */
export function formatUsd(usd: number): string {
  return usd.toFixed(8);
}
