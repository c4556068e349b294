// Stage: send fewer tokens. Bulky tool output in chat and messages requests is compacted, deduped
// and, for big JSON arrays, cut to a representative subset (src/optimize/); user and assistant text
// never changes. Runs after the cache, so a hit never gets here and the cache keys on what the
// client sent; before schedule, so limits and budgets count what actually goes upstream.

import type { OptimizeOptions } from '../optimize/optimize-request.ts';
import { optimizeRequest } from '../optimize/optimize-request.ts';
import type { OptimizeTally } from '../optimize/optimize-tally.ts';
import type { RequestContext } from './context.ts';

export interface OptimizeStageDeps {
  /** `optimize.enabled` (off with `--no-optimize`): the stage does nothing. */
  enabled: boolean;
  options: OptimizeOptions;
  tally: OptimizeTally;
}

const DIALECT_OF_PATH: Record<string, 'openai' | 'anthropic'> = {
  '/v1/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
};

export function createOptimizeStage(deps: OptimizeStageDeps) {
  const { tally, options } = deps;
  return function optimize(ctx: RequestContext): void {
    if (!deps.enabled || ctx.json === undefined) return;
    const dialect = DIALECT_OF_PATH[ctx.path];
    if (dialect === undefined || !Array.isArray(ctx.json.messages)) return;
    const asked = ctx.req.headers['x-cooldown-optimize'];
    if (typeof asked === 'string' && asked.trim().toLowerCase() === 'off') return;
    // Never throws: a transform that fails leaves its part of the request as the client sent it.
    const result = optimizeRequest(dialect, ctx.json, options);
    tally.record(result);
    if (result.body === undefined) return;
    ctx.json = result.body;
    ctx.jsonChanged = true;
    ctx.tokensSaved = result.tokensBefore - result.tokensAfter;
    ctx.breakpointsPlaced = result.changes.breakpoints > 0;
  };
}
