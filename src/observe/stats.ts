// GET /stats: what the limiter believes, per upstream and key, and what has gone through since the
// start. One documented JSON view (README, "Watching it") of what /metrics shows.

import type { CacheStats } from '../cache/response-cache.ts';
import type { ClientStats, ClientTally } from '../clients/client-tally.ts';
import type { ClientsConfig } from '../config/schema.ts';
import type { OptimizeStats } from '../optimize/optimize-tally.ts';
import type { BudgetBook } from '../spend/budget-book.ts';
import { type BudgetStats, budgetReport } from '../spend/budget-report.ts';
import type { SharedStats } from '../store/shared-state.ts';
import type { StateStore } from '../store/state-store.ts';
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
  clients: {
    /** `virtual_key` when virtual keys are configured, else `clients.identify_by`. */
    identify_by: string;
    virtual_keys: number;
    /** Client limits apply (off with `--no-rate-limit`). */
    ingress: boolean;
    /** The default limits (overrides and virtual keys may set others). */
    limits: ClientsConfig['limits'];
    /** Counters held now (clients' buckets and budget periods), at most `clients.max_tracked`. */
    tracked: number;
    /** The clients seen lately, most recent first. */
    recent: ClientStats[];
  };
  spend: {
    store: { backend: string; location: string | null };
    timezone: string;
    budgets: BudgetStats[];
  };
  /** The response cache: what it holds and what it answered. */
  cache: CacheStats;
  /** Context optimization: the tokens it took out of requests before they went upstream. */
  optimize: OptimizeStats;
  /** Limits shared with other gateway processes through Redis. */
  shared: SharedStats;
}

export interface StatsSources {
  upstreams: UpstreamSet;
  shaping: boolean;
  traffic: Traffic;
  uptimeMs: number;
  wallMs: number;
  clients: ClientsConfig;
  ingress: boolean;
  tally: ClientTally;
  store: StateStore;
  budgets: BudgetBook;
  cache: () => CacheStats;
  optimize: () => OptimizeStats;
  shared: () => SharedStats;
}

export function collectStats(s: StatsSources): GatewayStats {
  const totals = s.traffic.totals();
  const optimize = s.optimize();
  return {
    shaping: s.shaping,
    uptime_s: Math.round(s.uptimeMs / 1000),
    // Tokens saved by optimization sit beside the tokens sent, as the dashboard's totals show them.
    totals: { ...totals, tokens: { ...totals.tokens, saved: optimize.tokens_saved } },
    latency_last_minute: s.traffic.series.quantiles(s.wallMs, 60),
    upstreams: s.upstreams.all().map((u) => ({
      name: u.name,
      dialect: u.dialect.name,
      keys: u.config.keys.length,
      queue: { max_size: u.config.queue.max_size, timeout_ms: u.config.queue.timeout },
      breaker: u.admission.breaker.stats(),
      queues: u.admission.stats(),
    })),
    clients: {
      identify_by: s.clients.keys.length > 0 ? 'virtual_key' : s.clients.identify_by,
      virtual_keys: s.clients.keys.length,
      ingress: s.ingress,
      limits: s.clients.limits,
      tracked: s.store.size,
      recent: s.tally.list(s.store, s.wallMs),
    },
    spend: {
      store: { backend: s.store.backend, location: s.store.location ?? null },
      timezone: s.budgets.calendar.timeZone,
      budgets: budgetReport(
        s.budgets,
        s.store,
        (rule, subject) => (rule.scope === 'client' ? (s.tally.labelOf(subject) ?? subject) : subject),
        s.wallMs,
      ),
    },
    cache: s.cache(),
    optimize,
    shared: s.shared(),
  };
}
