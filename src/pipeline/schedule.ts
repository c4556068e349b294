// Stage: what the request will cost against rate limits, and how urgent it is. (Waiting for room
// happens in the forward stage, which may have to wait again after an upstream 429.)
import { estimateCost } from '../dialects/wire/estimate.ts';
import { isRecord } from '../dialects/wire/json-peek.ts';
import { ONE_REQUEST } from '../limits/cost.ts';
import type { Priority } from '../limits/upstream-queue.ts';
import type { RequestContext } from './context.ts';

/** API calls that spend the upstream's request and token limits. */
const GENERATES = new Set(['/v1/chat/completions', '/v1/completions', '/v1/responses', '/v1/messages']);
const SHAPED = new Set([...GENERATES, '/v1/embeddings', '/v1/moderations', '/v1/images/generations']);
/** Where `stream_options.include_usage` exists (not the Responses API, which always reports usage). */
const STREAM_OPTIONS = new Set(['/v1/chat/completions', '/v1/completions']);

function priorityOf(header: string | string[] | undefined): Priority {
  return header === 'high' || header === 'low' ? header : 'normal';
}

export interface ScheduleStageDeps {
  /** Whether clients may ask to go first (`x-cooldown-priority`); otherwise everyone is normal. */
  clientPriority: boolean;
}

export function createScheduleStage(deps: ScheduleStageDeps) {
  return function schedule(ctx: RequestContext): void {
    if (deps.clientPriority) ctx.priority = priorityOf(ctx.req.headers['x-cooldown-priority']);
    if (ctx.kind === 'rest') {
      ctx.cost = ONE_REQUEST;
      return;
    }
    planCost(ctx);
  };
}

/** The request's estimated cost on its target upstream (again after a switch to a fallback). */
export function planCost(ctx: RequestContext): void {
  if (!SHAPED.has(ctx.path)) return;
  const upstream = ctx.target!.upstream;
  // Even without shaping (`--no-rate-limit`) the estimate is what budgets reserve, and a stream's
  // usage is what its cost is priced from.
  ctx.cost = estimateCost(ctx.json, upstream.config.default_max_tokens, GENERATES.has(ctx.path));
  // Settling a stream (and pricing it) needs its usage: ask for it, and take the chunk out again if the client did not.
  const json = ctx.json;
  if (ctx.stream && json && upstream.dialect.streamUsageOption && STREAM_OPTIONS.has(ctx.path)) {
    const options = isRecord(json.stream_options) ? json.stream_options : {};
    if (options.include_usage !== true) {
      json.stream_options = { ...options, include_usage: true };
      ctx.jsonChanged = true;
      ctx.stripUsage = true;
    }
  }
}
