// What has gone through the gateway since it started: totals for /stats, the last minutes second
// by second and the last requests for the dashboard. One record per request, at its end.
import type { RequestContext } from '../pipeline/context.ts';
import { RecentRequests } from './recent-requests.ts';
import { RequestCounts, type TrafficTotals } from './request-counts.ts';
import { absorbed } from './request-labels.ts';
import { TrafficSeries } from './traffic-series.ts';

export class Traffic {
  readonly series = new TrafficSeries();
  readonly recent = new RecentRequests();
  readonly counts = new RequestCounts();
  record(ctx: RequestContext, elapsedMs: number, wallMs: number): void {
    this.counts.record(ctx);
    this.series.record(wallMs, {
      ms: elapsedMs,
      failed: ctx.status >= 500 || ctx.status === 0 || ctx.errorCode !== undefined,
      upstream429s: ctx.upstream429s,
      absorbed: absorbed(ctx),
      queueMs: ctx.queueMs,
    });
    this.recent.record(ctx, elapsedMs, wallMs);
  }

  totals(): TrafficTotals {
    return this.counts.totals();
  }
}
