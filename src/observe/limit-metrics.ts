// What the limiter believes, as Prometheus gauges read when /metrics is scraped (nothing per
// request): per upstream its queue, in-flight and breaker; per configured key its limits,
// remaining, reset, in-flight, breaker and what it was sent. Keys are labelled by their masked
// form; passthrough upstreams (a key per client credential) are summed per upstream instead.
import type { Gauge, Registry } from 'prom-client';
import type { KeyStats } from '../upstreams/admission.ts';
import type { BreakerState } from '../upstreams/circuit-breaker.ts';
import { scrapedCounter, scrapedGauge } from './scraped-metrics.ts';
import type { GatewayStats, UpstreamStats } from './stats.ts';

const BREAKER: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export interface KeyRow {
  upstream: string;
  key: string;
  stats: KeyStats;
}

/** Configured keys of every upstream, each with a label unique within its upstream. */
function keyRows(upstreams: readonly UpstreamStats[]): KeyRow[] {
  const rows: KeyRow[] = [];
  for (const u of upstreams) {
    if (u.keys === 0) continue;
    const seen = new Set<string>();
    // Keys are shared by an upstream's queues (one per REST route): the first queue has them all.
    for (const stats of u.queues[0]?.keys ?? []) {
      let key = stats.key;
      if (seen.has(key)) key = `${key} #${rows.length}`;
      seen.add(key);
      rows.push({ upstream: u.name, key, stats });
    }
  }
  return rows;
}

export interface LimitSnapshot {
  stats: GatewayStats;
  rows: KeyRow[];
}

export function limitSnapshot(stats: GatewayStats): LimitSnapshot {
  return { stats, rows: keyRows(stats.upstreams) };
}

/** `read` gives the snapshot of the scrape in progress (taken once per scrape). */
export function registerLimitMetrics(registry: Registry, read: () => LimitSnapshot): void {
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge<string>) => void) =>
    scrapedGauge(registry, { name, help, labelNames, fill });
  const counter = (name: string, help: string, pick: (k: KeyStats) => number) =>
    scrapedCounter(registry, {
      name,
      help,
      labelNames: ['upstream', 'key'],
      fill(c) {
        for (const r of read().rows) c.inc({ upstream: r.upstream, key: r.key }, pick(r.stats));
      },
    });
  const perUpstream = (name: string, help: string, pick: (u: UpstreamStats) => number) =>
    gauge(name, help, ['upstream'], (g) => {
      for (const u of read().stats.upstreams) g.set({ upstream: u.name }, pick(u));
    });
  const sum = (u: UpstreamStats, pick: (q: UpstreamStats['queues'][number]) => number) =>
    u.queues.reduce((n, q) => n + pick(q), 0);

  perUpstream('cooldown_queue_depth', 'Requests waiting for room, per upstream.', (u) =>
    sum(u, (q) => q.queue_length),
  );
  perUpstream(
    'cooldown_queue_max_size',
    'The most requests one queue of the upstream holds.',
    (u) => u.queue.max_size,
  );
  perUpstream('cooldown_in_flight', 'Requests being answered by the upstream now.', (u) =>
    sum(u, (q) => q.in_flight),
  );
  perUpstream(
    'cooldown_upstream_breaker_state',
    "The upstream's circuit breaker: 0 closed, 1 half open, 2 open.",
    (u) => BREAKER[u.breaker.state],
  );
  perUpstream(
    'cooldown_upstream_keys',
    'Keys configured for the upstream (0: client keys pass through).',
    (u) => u.keys,
  );

  const perWindow = (
    name: string,
    help: string,
    extra: string[],
    fill: (g: Gauge<string>, r: KeyRow) => void,
  ) =>
    gauge(name, help, ['upstream', 'key', 'dimension', 'window', ...extra], (g) => {
      for (const r of read().rows) fill(g, r);
    });
  perWindow(
    'cooldown_key_limit',
    "A key's limit per window: learned from the upstream's headers, or configured.",
    ['source'],
    (g, r) => {
      for (const w of r.stats.windows) {
        const labels = { upstream: r.upstream, key: r.key, dimension: w.dimension, window: w.window };
        if (w.learned_limit !== undefined) g.set({ ...labels, source: 'learned' }, w.learned_limit);
        if (w.configured_limit !== undefined) g.set({ ...labels, source: 'configured' }, w.configured_limit);
      }
    },
  );
  perWindow(
    'cooldown_key_remaining',
    'What a key has left in its window, as the gateway believes.',
    [],
    (g, r) => {
      for (const w of r.stats.windows)
        if (w.remaining !== undefined)
          g.set({ upstream: r.upstream, key: r.key, dimension: w.dimension, window: w.window }, w.remaining);
    },
  );
  perWindow(
    'cooldown_key_reset_seconds',
    "Seconds until a key's window resets (learned from headers).",
    [],
    (g, r) => {
      for (const w of r.stats.windows)
        if (w.reset_in_ms !== undefined)
          g.set(
            { upstream: r.upstream, key: r.key, dimension: w.dimension, window: w.window },
            w.reset_in_ms / 1000,
          );
    },
  );
  const perKey = (name: string, help: string, pick: (k: KeyStats) => number) =>
    gauge(name, help, ['upstream', 'key'], (g) => {
      for (const r of read().rows) g.set({ upstream: r.upstream, key: r.key }, pick(r.stats));
    });
  perKey('cooldown_key_in_flight', 'Requests running on the key now.', (k) => k.in_flight);
  perKey(
    'cooldown_key_paused_seconds',
    'Seconds the key sends nothing more after a refusal.',
    (k) => k.paused_for_ms / 1000,
  );
  perKey(
    'cooldown_key_held_seconds',
    'Seconds the shared count (what other gateway processes sent) still holds the key back here.',
    (k) => (k.held_for_ms ?? 0) / 1000,
  );
  perKey(
    'cooldown_key_breaker_state',
    "The key's circuit breaker: 0 closed, 1 half open, 2 open.",
    (k) => BREAKER[k.breaker.state],
  );
  perKey(
    'cooldown_key_removed',
    '1 when the upstream refused the key itself (401/403) and it left the pool.',
    (k) => (k.removed === undefined ? 0 : 1),
  );
  counter('cooldown_key_requests_total', 'Requests sent on the key.', (k) => k.requests);
  counter(
    'cooldown_key_errors_total',
    'Failed attempts on the key (connection, timeout, 5xx, broken stream).',
    (k) => k.errors,
  );
  counter('cooldown_key_upstream_429_total', '429s the upstream sent for the key.', (k) => k.rate_limited);
}
