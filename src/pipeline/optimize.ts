// Stage: send fewer tokens. Bulky tool output in chat and messages requests is compacted, deduped
// and, for big JSON arrays, cut to a representative subset (src/optimize/); user and assistant text
// never changes. Runs after the cache, so a hit costs nothing here and the cache keys on what the
// client sent; before schedule, so limits and budgets count what actually goes upstream.

import type { Logger } from '../log/logger.ts';
import type { OptimizeOptions } from '../optimize/optimize-request.ts';
import { optimizeRequest } from '../optimize/optimize-request.ts';
import type { OptimizeTally } from '../optimize/optimize-tally.ts';
import type { RequestContext } from './context.ts';

export interface OptimizeStageDeps {
  /** `optimize.enabled` (off with `--no-optimize`): the stage does nothing. */
  enabled: boolean;
  options: OptimizeOptions;
  tally: OptimizeTally;
  logger: Logger;
}

const DIALECT_OF_PATH: Record<string, 'openai' | 'anthropic'> = {
  '/v1/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
};

export function createOptimizeStage(deps: OptimizeStageDeps) {
  const { tally, options } = deps;
  return function optimize(ctx: RequestContext): void {
    if (!deps.enabled || ctx.json === undefined || ctx.cacheResult === 'hit') return;
    const dialect = DIALECT_OF_PATH[ctx.path];
    if (dialect === undefined || !Array.isArray(ctx.json.messages)) return;
    const asked = ctx.req.headers['x-cooldown-optimize'];
    if (typeof asked === 'string' && asked.trim().toLowerCase() === 'off') return;
    let result: ReturnType<typeof optimizeRequest>;
    try {
      result = optimizeRequest(dialect, ctx.json, options);
    } catch (err) {
      // A transform that fails leaves the request as the client sent it.
      deps.logger.warn(
        { err, request_id: ctx.id },
        'context optimization failed; the request goes out unchanged',
      );
      return;
    }
    tally.requests++;
    tally.tokensBefore += result.tokensBefore;
    tally.tokensAfter += result.tokensAfter;
    if (result.body === undefined) return;
    const c = result.changes;
    tally.optimized++;
    tally.crushed += c.crushed;
    tally.compacted += c.compacted;
    tally.deduped += c.deduped;
    tally.itemsDropped += c.itemsDropped;
    tally.breakpoints += c.breakpoints;
    ctx.json = result.body;
    ctx.jsonChanged = true;
    ctx.tokensSaved = result.tokensBefore - result.tokensAfter;
    ctx.breakpointsPlaced = c.breakpoints > 0;
  };
}
