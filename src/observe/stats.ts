// GET /stats: what the limiter believes, per upstream and key, and what has gone through since the
// start. One documented JSON view (README, "Watching it") of what /metrics shows.
import type { SchedulerStats } from '../upstreams/admission.ts';
import type { BreakerStats } from '../upstreams/circuit-breaker.ts';
import type { UpstreamSet } from '../upstreams/upstream.ts';
import type { TrafficTotals } from './request-counts.ts';
import type { Traffic } from './traffic.ts';

export interface UpstreamStats {
  name: string;
  dialect: string;
  keys: number;
  queue: { max_size: number; timeout_ms: number };
  /** The upstream's own breaker (opens when every key fails in a row). */
  breaker: BreakerStats;
  /** One entry per queue: the upstream's own, per REST host route, per client key on passthrough. */
  queues: SchedulerStats[];
}

export interface GatewayStats {
  shaping: boolean;
  uptime_s: number;
  totals: TrafficTotals;
  /** Latency of the requests that ended in the last minute. */
  latency_last_minute: { p50_ms?: number; p99_ms?: number };
  upstreams: UpstreamStats[];
}

export interface StatsSources {
  upstreams: UpstreamSet;
  shaping: boolean;
  traffic: Traffic;
  uptimeMs: number;
  wallMs: number;
}

export function collectStats(s: StatsSources): GatewayStats {
  return {
    shaping: s.shaping,
    uptime_s: Math.round(s.uptimeMs / 1000),
    totals: s.traffic.totals(),
    latency_last_minute: s.traffic.series.quantiles(s.wallMs, 60),
    upstreams: s.upstreams.all().map((u) => ({
      name: u.name,
      dialect: u.dialect.name,
      keys: u.config.keys.length,
      queue: { max_size: u.config.queue.max_size, timeout_ms: u.config.queue.timeout },
      breaker: u.admission.breaker.stats(),
      queues: u.admission.stats(),
    })),
  };
}
