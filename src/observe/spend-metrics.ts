// Budgets and client limits as Prometheus gauges, read when /metrics is scraped (nothing per
// request). Only budgets whose subject is bounded by the config get a series: global, named ones,
// and an unnamed upstream budget's instances; unnamed client and model budgets (one per client or
// model seen) stay in /stats, so no client's input makes new series.
import type { Registry } from 'prom-client';
import type { LimitSnapshot } from './limit-metrics.ts';
import { scrapedGauge } from './scraped-metrics.ts';

export function registerSpendMetrics(registry: Registry, read: () => LimitSnapshot): void {
  const budgets = () => read().stats.spend.budgets.filter((b) => !b.each || b.scope === 'upstream');
  const perBudget = (name: string, help: string, pick: (b: ReturnType<typeof budgets>[number]) => number) =>
    scrapedGauge(registry, {
      name,
      help,
      labelNames: ['scope', 'name', 'period'],
      fill(g) {
        for (const b of budgets()) g.set({ scope: b.scope, name: b.name ?? '', period: b.period }, pick(b));
      },
    });
  perBudget('cooldown_budget_limit_usd', "A budget's limit for its period, in USD.", (b) => b.limit_usd);
  perBudget(
    'cooldown_budget_spent_usd',
    'What a budget has spent this period (settled, plus what running requests reserved), in USD.',
    (b) => b.spent_usd,
  );
  perBudget('cooldown_budget_reset_seconds', "Seconds until a budget's period ends.", (b) => b.resets_in_s);
  scrapedGauge(registry, {
    name: 'cooldown_client_counters',
    help: "Counters held in memory now: clients' limit buckets and budget periods (at most clients.max_tracked).",
    labelNames: [],
    fill(g) {
      g.set(read().stats.clients.tracked);
    },
  });
}
