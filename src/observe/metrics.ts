// GET /metrics: one prom-client registry per gateway, kept across config reloads. Request metrics
// are recorded as requests end; the limiter's state is read once per scrape.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { RequestContext } from '../pipeline/context.ts';
import { registerCacheMetrics } from './cache-metrics.ts';
import { type LimitSnapshot, limitSnapshot, registerLimitMetrics } from './limit-metrics.ts';
import { registerOptimizeMetrics } from './optimize-metrics.ts';
import { RequestMetrics } from './request-metrics.ts';
import { registerSharedMetrics } from './shared-metrics.ts';
import { registerSpendMetrics } from './spend-metrics.ts';
import type { GatewayStats } from './stats.ts';
import type { Traffic } from './traffic.ts';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: RequestMetrics;
  readonly #stats: () => GatewayStats;
  #scrape: LimitSnapshot | undefined;

  constructor(traffic: Traffic, stats: () => GatewayStats) {
    this.#stats = stats;
    this.#requests = new RequestMetrics(this.registry, traffic);
    const snapshot = () => {
      this.#scrape ??= limitSnapshot(this.#stats());
      return this.#scrape;
    };
    registerLimitMetrics(this.registry, snapshot);
    registerSpendMetrics(this.registry, snapshot);
    registerCacheMetrics(this.registry, snapshot);
    registerOptimizeMetrics(this.registry, snapshot);
    registerSharedMetrics(this.registry, snapshot);
    // The process's own: CPU, memory, event loop lag, GC (prom-client's standard names).
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  record(ctx: RequestContext, elapsedMs: number): void {
    this.#requests.record(ctx, elapsedMs);
  }

  /** The Prometheus text exposition of everything. */
  async text(): Promise<string> {
    try {
      return await this.registry.metrics();
    } finally {
      this.#scrape = undefined;
    }
  }
}
