// A Prometheus histogram kept as plain counts: observing is a short loop over the bounds and three
// adds, with no allocation and no label hashing (prom-client's own `observe` builds a label key per
// call). prom-client still formats it: the registry takes any metric that answers `get()`.
import type { Metric, MetricValue, Registry } from 'prom-client';

export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class BucketHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #label: string;
  readonly #series = new Map<string, HistogramSeries>();

  /** One label (`label`) tells the series apart; its values must be bounded (upstream names). */
  constructor(
    registry: Registry,
    o: { name: string; help: string; label: string; buckets: readonly number[] },
  ) {
    this.name = o.name;
    this.help = o.help;
    this.#label = o.label;
    this.#bounds = o.buckets;
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series for one label value, made once and kept: callers hold on to it. */
  series(value: string): HistogramSeries {
    let s = this.#series.get(value);
    if (!s) {
      s = new HistogramSeries(this.#bounds);
      this.#series.set(value, s);
    }
    return s;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue<string>[] } {
    const values: MetricValue<string>[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [value, s] of this.#series) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += s.counts[i]!;
        values.push({
          metricName: bucket,
          labels: { [this.#label]: value, le: bound },
          value: cumulative,
        } as MetricValue<string>);
      });
      values.push({
        metricName: bucket,
        labels: { [this.#label]: value, le: '+Inf' },
        value: s.count,
      } as MetricValue<string>);
      values.push({
        metricName: `${this.name}_sum`,
        labels: { [this.#label]: value },
        value: s.sum,
      } as MetricValue<string>);
      values.push({
        metricName: `${this.name}_count`,
        labels: { [this.#label]: value },
        value: s.count,
      } as MetricValue<string>);
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
