// The response cache as Prometheus series, read from its tally when /metrics is scraped (nothing
// per request). Requests by cache result are in cooldown_requests_total's `cache` label.
import type { Registry } from 'prom-client';
import type { LimitSnapshot } from './limit-metrics.ts';
import { scrapedCounter, scrapedGauge } from './scraped-metrics.ts';

export function registerCacheMetrics(registry: Registry, read: () => LimitSnapshot): void {
  const cache = () => read().stats.cache;
  const gauge = (name: string, help: string, pick: (c: ReturnType<typeof cache>) => number) =>
    scrapedGauge(registry, { name, help, labelNames: [], fill: (g) => g.set(pick(cache())) });
  const counter = (name: string, help: string, pick: (c: ReturnType<typeof cache>) => number) =>
    scrapedCounter(registry, { name, help, labelNames: [], fill: (c) => c.inc(pick(cache())) });
  gauge('cooldown_cache_entries', 'Answers in the response cache now.', (c) => c.entries);
  gauge(
    'cooldown_cache_bytes',
    'Bytes the response cache holds now (bounded by cache.max_size_mb).',
    (c) => c.bytes,
  );
  gauge('cooldown_cache_max_bytes', "The response cache's bound in bytes.", (c) => c.max_bytes);
  counter(
    'cooldown_cache_hits_total',
    'Requests answered from the response cache (coalesced ones included).',
    (c) => c.hits,
  );
  counter('cooldown_cache_misses_total', 'Cacheable requests that went upstream.', (c) => c.misses);
  counter(
    'cooldown_cache_bypassed_total',
    'Requests whose Cache-Control skipped the lookup.',
    (c) => c.bypassed,
  );
  counter(
    'cooldown_cache_coalesced_total',
    "Misses answered from an identical request's upstream call instead of their own.",
    (c) => c.coalesced,
  );
  counter('cooldown_cache_stored_total', 'Answers put in the response cache.', (c) => c.stored);
  scrapedCounter(registry, {
    name: 'cooldown_cache_saved_tokens_total',
    help: 'Tokens cache hits did not cost upstream, by direction.',
    labelNames: ['direction'],
    fill(c) {
      const saved = cache().saved;
      c.inc({ direction: 'input' }, saved.input_tokens);
      c.inc({ direction: 'output' }, saved.output_tokens);
    },
  });
  counter(
    'cooldown_cache_saved_usd_total',
    'What cache hits would have cost upstream, in USD.',
    (c) => c.saved.usd,
  );
}
