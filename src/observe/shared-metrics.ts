// Shared state (Redis) as Prometheus series, read from /stats when /metrics is scraped: whether
// this process enforces limits together with the others now, or alone at its share.
import type { Registry } from 'prom-client';
import type { LimitSnapshot } from './limit-metrics.ts';
import { scrapedCounter, scrapedGauge } from './scraped-metrics.ts';

export function registerSharedMetrics(registry: Registry, read: () => LimitSnapshot): void {
  const shared = () => read().stats.shared;
  const gauge = (name: string, help: string, pick: (s: ReturnType<typeof shared>) => number | undefined) =>
    scrapedGauge(registry, {
      name,
      help,
      labelNames: [],
      fill(g) {
        const value = pick(shared());
        if (value !== undefined) g.set(value);
      },
    });
  gauge(
    'cooldown_shared_reachable',
    '1 while Redis answers and limits are counted across processes, 0 while this one enforces its share alone.',
    (s) => (s.store === null ? undefined : s.reachable ? 1 : 0),
  );
  gauge(
    'cooldown_shared_processes',
    'Gateway processes alive on the shared Redis (this one included).',
    (s) => s.processes,
  );
  gauge(
    'cooldown_shared_local_share',
    'The part of every limit this process enforces alone: 1 while shared, 1/processes while Redis is away.',
    (s) => s.local_share,
  );
  scrapedCounter(registry, {
    name: 'cooldown_shared_lost_updates_total',
    help: 'Key budget updates that could not reach Redis (the next rate-limit headers put the count right).',
    labelNames: [],
    fill: (c) => c.inc(shared().lost_updates ?? 0),
  });
}
