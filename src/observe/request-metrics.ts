// Per-request Prometheus metrics. The request path pays for four histogram observations (series
// made once per upstream, plain counts); the counters are the request counts `Traffic` keeps,
// handed to prom-client when /metrics is scraped, not per request.
import type { Counter, Registry } from 'prom-client';
import type { RequestContext } from '../pipeline/context.ts';
import { BucketHistogram, type HistogramSeries } from './bucket-histogram.ts';
import { CACHE_RESULTS, type UpstreamCounts } from './request-counts.ts';
import { overheadMs, STATUS_CLASSES, upstreamLabel } from './request-labels.ts';
import { scrapedCounter } from './scraped-metrics.ts';
import type { Traffic } from './traffic.ts';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/** One upstream's histograms, their series made once. */
class UpstreamHistograms {
  readonly duration: HistogramSeries;
  readonly firstByte: HistogramSeries;
  readonly queueWait: HistogramSeries;
  readonly overhead: HistogramSeries;
  constructor(
    upstream: string,
    h: Record<'duration' | 'firstByte' | 'queueWait' | 'overhead', BucketHistogram>,
  ) {
    this.duration = h.duration.series(upstream);
    this.firstByte = h.firstByte.series(upstream);
    this.queueWait = h.queueWait.series(upstream);
    this.overhead = h.overhead.series(upstream);
  }
}

export class RequestMetrics {
  readonly #upstreams = new Map<string, UpstreamHistograms>();
  readonly #duration: BucketHistogram;
  readonly #firstByte: BucketHistogram;
  readonly #queueWait: BucketHistogram;
  readonly #overhead: BucketHistogram;

  constructor(registry: Registry, traffic: Traffic) {
    const counts = traffic.counts;
    const histogram = (name: string, help: string, buckets: number[]) =>
      new BucketHistogram(registry, { name, help, label: 'upstream', buckets });
    this.#duration = histogram(
      'cooldown_request_duration_seconds',
      'Time from a request arriving to its answer ending, queue wait included.',
      LATENCY_BUCKETS,
    );
    this.#firstByte = histogram(
      'cooldown_upstream_first_byte_seconds',
      "Time from sending a request upstream to the upstream's response head.",
      LATENCY_BUCKETS,
    );
    this.#queueWait = histogram(
      'cooldown_queue_wait_seconds',
      'Time a request waited in the queue for room on a key.',
      [0, ...LATENCY_BUCKETS],
    );
    this.#overhead = histogram(
      'cooldown_gateway_overhead_seconds',
      "The gateway's own share of a request's time: all but queue wait, backoff and upstream time.",
      OVERHEAD_BUCKETS,
    );
    const counter = (name: string, help: string, labelNames: string[], fill: (c: Counter<string>) => void) =>
      scrapedCounter(registry, { name, help, labelNames, fill });
    counter(
      'cooldown_requests_total',
      'Requests by upstream, route model, status class and cache result.',
      ['upstream', 'model', 'status_class', 'cache'],
      (c) => {
        for (const [upstream, s] of counts.upstreams)
          for (const [model, m] of s.models)
            m.requests.forEach((n, i) => {
              if (n === 0) return;
              const status_class = STATUS_CLASSES[Math.floor(i / CACHE_RESULTS.length)]!;
              const cache = CACHE_RESULTS[i % CACHE_RESULTS.length]!;
              c.inc({ upstream, model, status_class, cache }, n);
            });
      },
    );
    counter(
      'cooldown_tokens_total',
      'Tokens upstreams reported, by direction (input includes cached input).',
      ['upstream', 'model', 'direction'],
      (c) => {
        for (const [upstream, s] of counts.upstreams)
          for (const [model, m] of s.models) {
            c.inc({ upstream, model, direction: 'input' }, m.input);
            c.inc({ upstream, model, direction: 'output' }, m.output);
          }
      },
    );
    counter(
      'cooldown_cost_usd_total',
      'What requests cost in USD, from real usage and model prices.',
      ['upstream', 'model'],
      (c) => {
        for (const [upstream, s] of counts.upstreams)
          for (const [model, m] of s.models) c.inc({ upstream, model }, m.costUsd);
      },
    );
    counter(
      'cooldown_unpriced_requests_total',
      'Requests with usage but no known price for their model (cost unknown, not zero).',
      ['upstream', 'model'],
      (c) => {
        for (const [upstream, s] of counts.upstreams)
          for (const [model, m] of s.models) c.inc({ upstream, model }, m.unpriced);
      },
    );
    counter('cooldown_refusals_total', 'Answers the gateway made itself, by error code.', ['code'], (c) => {
      for (const [code, n] of counts.refusals) c.inc({ code }, n);
    });
    const perUpstream = (name: string, help: string, pick: (s: UpstreamCounts) => number) =>
      counter(name, help, ['upstream'], (c) => {
        for (const [upstream, s] of counts.upstreams) c.inc({ upstream }, pick(s));
      });
    perUpstream(
      'cooldown_upstream_429_total',
      '429s upstreams sent (each attempt counts).',
      (s) => s.upstream429s,
    );
    perUpstream(
      'cooldown_absorbed_429_total',
      'Requests that waited for room or had an upstream 429 retried, and got no 429 themselves.',
      (s) => s.absorbed,
    );
    perUpstream(
      'cooldown_retries_total',
      'Requests sent again (another key, a fallback, after a 429).',
      (s) => s.retries,
    );
  }

  /** The request's histograms; its counts are kept by `Traffic` (read here when scraped). */
  record(ctx: RequestContext, elapsedMs: number): void {
    const s = this.#series(upstreamLabel(ctx));
    s.duration.observe(elapsedMs / 1000);
    if (ctx.firstByteMs !== undefined) s.firstByte.observe(ctx.firstByteMs / 1000);
    if (ctx.cost !== undefined && ctx.target) s.queueWait.observe(ctx.queueMs / 1000);
    s.overhead.observe(overheadMs(ctx, elapsedMs) / 1000);
  }

  #series(upstream: string): UpstreamHistograms {
    let s = this.#upstreams.get(upstream);
    if (!s) {
      s = new UpstreamHistograms(upstream, {
        duration: this.#duration,
        firstByte: this.#firstByte,
        queueWait: this.#queueWait,
        overhead: this.#overhead,
      });
      this.#upstreams.set(upstream, s);
    }
    return s;
  }
}
