// Context optimization as Prometheus series, read from its tally when /metrics is scraped (nothing
// per request).
import type { Registry } from 'prom-client';
import type { LimitSnapshot } from './limit-metrics.ts';
import { scrapedCounter } from './scraped-metrics.ts';

export function registerOptimizeMetrics(registry: Registry, read: () => LimitSnapshot): void {
  const optimize = () => read().stats.optimize;
  const counter = (name: string, help: string, pick: (o: ReturnType<typeof optimize>) => number) =>
    scrapedCounter(registry, { name, help, labelNames: [], fill: (c) => c.inc(pick(optimize())) });
  counter(
    'cooldown_tokens_saved_total',
    'Input tokens context optimization took out of requests before they went upstream (estimated).',
    (o) => o.tokens_saved,
  );
  counter(
    'cooldown_optimize_requests_total',
    'Chat and messages requests context optimization looked at.',
    (o) => o.requests,
  );
  counter('cooldown_optimize_changed_total', 'Requests context optimization changed.', (o) => o.optimized);
  scrapedCounter(registry, {
    name: 'cooldown_optimize_tool_outputs_total',
    help: 'Tool outputs changed by context optimization, by transform.',
    labelNames: ['transform'],
    fill(c) {
      const o = optimize();
      c.inc({ transform: 'crush_json' }, o.crushed);
      c.inc({ transform: 'compact' }, o.compacted);
      c.inc({ transform: 'dedupe' }, o.deduped);
    },
  });
  counter(
    'cooldown_optimize_prompt_cache_read_tokens_total',
    'Input tokens upstreams read from their prompt cache on requests given breakpoints by the gateway.',
    (o) => o.cache_read_tokens,
  );
}
