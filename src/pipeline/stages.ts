// The request's path through the gateway, in order. The one place that states the order.
import type { RequestContext } from './context.ts';

/** A stage does one job on the request; it may answer early (or refuse, throwing a GatewayError). */
export type Stage = (ctx: RequestContext) => void | Promise<void>;

export interface PipelineStages {
  /** REST host or the gateway's own API; no open proxy. */
  host: Stage;
  /** Who is calling: a virtual key (401 without one), an API key's hash, an address, a header. */
  identify: Stage;
  /** JSON body of API calls: model, stream flag. */
  parse: Stage;
  /** `GET /v1/models` over several upstreams: the union of their lists, answered here. */
  models: Stage;
  /** Upstream and URL: by Host, header, model or default. */
  route: Stage;
  /** A repeat answered from the response cache (or an identical miss running now); misses recorded. */
  cache: Stage;
  /** Fewer tokens: bulky tool output compacted, deduped, big JSON arrays cut to what matters. */
  optimize: Stage;
  /** Cost estimate and priority, for the upstream's limits. */
  schedule: Stage;
  /** The client's own limits and the budgets: its claims reserved all or nothing, or a 429. */
  guard: Stage;
  /** Wait for room on a key, send, learn from the answer, relay it, settle the reservation. */
  forward: Stage;
}

export function orderStages(s: PipelineStages): readonly Stage[] {
  return [
    s.host,
    s.identify,
    s.parse,
    s.models,
    s.route,
    s.cache,
    s.optimize,
    s.schedule,
    s.guard,
    s.forward,
  ];
}

export async function runStages(stages: readonly Stage[], ctx: RequestContext): Promise<void> {
  for (const stage of stages) {
    const pending = stage(ctx);
    if (pending) await pending;
    // A stage that answered itself (a model list) leaves nothing for the ones after it.
    if (ctx.headSent) return;
  }
}
