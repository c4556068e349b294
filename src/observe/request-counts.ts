// What requests added up to, per upstream and route model: one set of counts, kept as requests
// end, that /stats sums into totals and /metrics hands to prom-client by label when scraped.
import type { RequestContext } from '../pipeline/context.ts';
import { absorbed, modelLabel, STATUS_CLASSES, statusClassIndex, upstreamLabel } from './request-labels.ts';

export const CACHE_RESULTS = ['none', 'hit', 'miss', 'bypass'] as const;

function cacheIndex(ctx: RequestContext): number {
  const r = ctx.cacheResult;
  return r === undefined ? 0 : r === 'hit' ? 1 : r === 'miss' ? 2 : 3;
}

/** One route model's counts on one upstream: requests by status class x cache result, tokens, cost. */
export class ModelCounts {
  readonly requests = new Float64Array(STATUS_CLASSES.length * CACHE_RESULTS.length);
  input = 0;
  output = 0;
  costUsd = 0;
  unpriced = 0;
}

export class UpstreamCounts {
  readonly models = new Map<string, ModelCounts>();
  upstream429s = 0;
  absorbed = 0;
  retries = 0;
}

export interface TrafficTotals {
  requests: number;
  /** Requests by the status class of their answer; `none`: the client left before any answer. */
  by_status: Record<(typeof STATUS_CLASSES)[number], number>;
  /** Tokens upstreams reported (input includes cached input); `saved`: what optimization took out before sending (estimated). */
  tokens: { input: number; output: number; saved?: number };
  /** Answers the gateway made itself, by error code (docs/errors.md). */
  refusals: Record<string, number>;
  /** 429s upstreams sent (each attempt counts). */
  upstream_429s: number;
  /** Requests that waited for room or had an upstream 429 retried, and got no 429 themselves. */
  absorbed_429s: number;
  /** Requests whose client went away before the answer was complete. */
  aborted: number;
  /** What the priced requests cost, from real usage. */
  cost_usd: number;
  /** Requests with usage but no price for their model (their cost is unknown, not zero). */
  unpriced: number;
}

export class RequestCounts {
  /** By upstream name, then route model label: both bounded by the config. */
  readonly upstreams = new Map<string, UpstreamCounts>();
  /** By error code, a fixed set, so the map stays small. */
  readonly refusals = new Map<string, number>();
  aborted = 0;

  record(ctx: RequestContext): void {
    const name = upstreamLabel(ctx);
    let u = this.upstreams.get(name);
    if (!u) {
      u = new UpstreamCounts();
      this.upstreams.set(name, u);
    }
    const label = modelLabel(ctx);
    let m = u.models.get(label);
    if (!m) {
      m = new ModelCounts();
      u.models.set(label, m);
    }
    m.requests[statusClassIndex(ctx.status) * CACHE_RESULTS.length + cacheIndex(ctx)]!++;
    // A hit's tokens were not sent upstream again: the cache counts them as saved.
    if (ctx.usage && ctx.cacheResult !== 'hit') {
      m.input += ctx.usage.inputTokens;
      m.output += ctx.usage.outputTokens;
    }
    if (ctx.costUsd !== undefined) m.costUsd += ctx.costUsd;
    else if (ctx.costUnknown) m.unpriced++;
    u.upstream429s += ctx.upstream429s;
    u.retries += ctx.attempts;
    if (absorbed(ctx)) u.absorbed++;
    if (ctx.errorCode) this.refusals.set(ctx.errorCode, (this.refusals.get(ctx.errorCode) ?? 0) + 1);
    if (ctx.clientGone) this.aborted++;
  }

  totals(): TrafficTotals {
    const byStatus = new Float64Array(STATUS_CLASSES.length);
    const t = { requests: 0, input: 0, output: 0, upstream429s: 0, absorbed: 0, costUsd: 0, unpriced: 0 };
    for (const u of this.upstreams.values()) {
      t.upstream429s += u.upstream429s;
      t.absorbed += u.absorbed;
      for (const m of u.models.values()) {
        m.requests.forEach((n, i) => {
          byStatus[Math.floor(i / CACHE_RESULTS.length)]! += n;
          t.requests += n;
        });
        t.input += m.input;
        t.output += m.output;
        t.costUsd += m.costUsd;
        t.unpriced += m.unpriced;
      }
    }
    const by_status = {} as TrafficTotals['by_status'];
    STATUS_CLASSES.forEach((c, i) => {
      by_status[c] = byStatus[i]!;
    });
    return {
      requests: t.requests,
      by_status,
      tokens: { input: t.input, output: t.output },
      refusals: Object.fromEntries(this.refusals),
      upstream_429s: t.upstream429s,
      absorbed_429s: t.absorbed,
      aborted: this.aborted,
      cost_usd: t.costUsd,
      unpriced: t.unpriced,
    };
  }
}
