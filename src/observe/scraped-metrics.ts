// Metrics whose values are computed when /metrics is scraped (from plain numbers the request path
// keeps, or from the limiter's state), so nothing about them runs per request.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ScrapedMetric<M> {
  name: string;
  help: string;
  labelNames: string[];
  /** Sets every series from scratch (the metric is reset first). */
  fill(metric: M): void;
}

function scraped<M extends { reset(): void }>(registry: Registry, m: ScrapedMetric<M>) {
  return {
    name: m.name,
    help: m.help,
    labelNames: m.labelNames,
    registers: [registry],
    collect(this: M) {
      this.reset();
      m.fill(this);
    },
  };
}

export function scrapedCounter(registry: Registry, m: ScrapedMetric<Counter<string>>): Counter<string> {
  return new Counter(scraped(registry, m));
}

export function scrapedGauge(registry: Registry, m: ScrapedMetric<Gauge<string>>): Gauge<string> {
  return new Gauge(scraped(registry, m));
}
