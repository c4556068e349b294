// What has gone through the gateway since it started: totals for /stats, the last minutes second
// by second and the last requests for the dashboard. One record per request, at its end.
import type { RequestContext } from '../pipeline/context.ts';
import { RecentRequests } from './recent-requests.ts';
import { absorbed, STATUS_CLASSES, statusClassIndex } from './request-labels.ts';
import { TrafficSeries } from './traffic-series.ts';

export interface TrafficTotals {
  requests: number;
  /** Requests by the status class of their answer; `none`: the client left before any answer. */
  by_status: Record<(typeof STATUS_CLASSES)[number], number>;
  /** Tokens upstreams reported (input includes cached input). */
  tokens: { input: number; output: number };
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

export class Traffic {
  readonly series = new TrafficSeries();
  readonly recent = new RecentRequests();
  readonly #byStatus = new Float64Array(STATUS_CLASSES.length);
  readonly #refusals = new Map<string, number>();
  #requests = 0;
  #input = 0;
  #output = 0;
  #upstream429s = 0;
  #absorbed = 0;
  #aborted = 0;
  #costUsd = 0;
  #unpriced = 0;

  record(ctx: RequestContext, elapsedMs: number, wallMs: number): void {
    this.#requests++;
    this.#byStatus[statusClassIndex(ctx.status)]!++;
    if (ctx.usage) {
      this.#input += ctx.usage.inputTokens;
      this.#output += ctx.usage.outputTokens;
    }
    // Codes are a fixed set (ErrorCode), so the map stays small.
    if (ctx.errorCode) this.#refusals.set(ctx.errorCode, (this.#refusals.get(ctx.errorCode) ?? 0) + 1);
    this.#upstream429s += ctx.upstream429s;
    const wasAbsorbed = absorbed(ctx);
    if (wasAbsorbed) this.#absorbed++;
    if (ctx.clientGone) this.#aborted++;
    if (ctx.costUsd !== undefined) this.#costUsd += ctx.costUsd;
    else if (ctx.costUnknown) this.#unpriced++;
    this.series.record(wallMs, {
      ms: elapsedMs,
      failed: ctx.status >= 500 || ctx.status === 0 || ctx.errorCode !== undefined,
      upstream429s: ctx.upstream429s,
      absorbed: wasAbsorbed,
      queueMs: ctx.queueMs,
    });
    this.recent.record(ctx, elapsedMs, wallMs);
  }

  totals(): TrafficTotals {
    const by_status = {} as TrafficTotals['by_status'];
    STATUS_CLASSES.forEach((c, i) => {
      by_status[c] = this.#byStatus[i]!;
    });
    return {
      requests: this.#requests,
      by_status,
      tokens: { input: this.#input, output: this.#output },
      refusals: Object.fromEntries(this.#refusals),
      upstream_429s: this.#upstream429s,
      absorbed_429s: this.#absorbed,
      aborted: this.#aborted,
      cost_usd: this.#costUsd,
      unpriced: this.#unpriced,
    };
  }
}
