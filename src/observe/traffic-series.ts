// Traffic second by second over the last few minutes, for the dashboard's charts: a fixed ring of
// one-second slots, each a few counts and a latency histogram. Recording is a handful of adds.
import { BUCKETS, bucketOf, quantileMs } from './latency-buckets.ts';

/** Seconds of history kept. */
export const SERIES_SECONDS = 300;

export interface SecondStats {
  /** Wall-clock second (Unix seconds). */
  t: number;
  requests: number;
  /** Answers with status 5xx or none at all, and gateway refusals. */
  errors: number;
  upstream_429s: number;
  absorbed_429s: number;
  p50_ms?: number;
  p99_ms?: number;
  /** Mean queue wait of the second's requests. */
  queue_ms?: number;
}

export interface SecondSample {
  ms: number;
  failed: boolean;
  upstream429s: number;
  absorbed: boolean;
  queueMs: number;
}

export class TrafficSeries {
  readonly #second = new Float64Array(SERIES_SECONDS).fill(-1);
  readonly #requests = new Uint32Array(SERIES_SECONDS);
  readonly #errors = new Uint32Array(SERIES_SECONDS);
  readonly #limited = new Uint32Array(SERIES_SECONDS);
  readonly #absorbed = new Uint32Array(SERIES_SECONDS);
  readonly #queueMs = new Float64Array(SERIES_SECONDS);
  readonly #latency = new Uint32Array(SERIES_SECONDS * BUCKETS);

  record(wallMs: number, s: SecondSample): void {
    const second = Math.floor(wallMs / 1000);
    const i = second % SERIES_SECONDS;
    if (this.#second[i] !== second) this.#clear(i, second);
    this.#requests[i]!++;
    if (s.failed) this.#errors[i]!++;
    this.#limited[i]! += s.upstream429s;
    if (s.absorbed) this.#absorbed[i]!++;
    this.#queueMs[i]! += s.queueMs;
    this.#latency[i * BUCKETS + bucketOf(s.ms)]!++;
  }

  /** The last `seconds` seconds up to `nowMs`, oldest first, one entry per second (empty ones too). */
  last(nowMs: number, seconds = SERIES_SECONDS): SecondStats[] {
    const now = Math.floor(nowMs / 1000);
    const out: SecondStats[] = [];
    for (let t = now - Math.min(seconds, SERIES_SECONDS) + 1; t <= now; t++) {
      const i = t % SERIES_SECONDS;
      if (this.#second[i] !== t) {
        out.push({ t, requests: 0, errors: 0, upstream_429s: 0, absorbed_429s: 0 });
        continue;
      }
      const entry: SecondStats = {
        t,
        requests: this.#requests[i]!,
        errors: this.#errors[i]!,
        upstream_429s: this.#limited[i]!,
        absorbed_429s: this.#absorbed[i]!,
      };
      const p50 = quantileMs(this.#latency, i * BUCKETS, 0.5);
      if (p50 !== undefined) {
        entry.p50_ms = p50;
        entry.p99_ms = quantileMs(this.#latency, i * BUCKETS, 0.99)!;
        entry.queue_ms = Math.round((this.#queueMs[i]! / this.#requests[i]!) * 10) / 10;
      }
      out.push(entry);
    }
    return out;
  }

  /** p50 and p99 over the last `seconds` seconds. */
  quantiles(nowMs: number, seconds: number): { p50_ms?: number; p99_ms?: number } {
    const now = Math.floor(nowMs / 1000);
    const sum = new Uint32Array(BUCKETS);
    for (let t = now - Math.min(seconds, SERIES_SECONDS) + 1; t <= now; t++) {
      const i = t % SERIES_SECONDS;
      if (this.#second[i] !== t) continue;
      for (let b = 0; b < BUCKETS; b++) sum[b]! += this.#latency[i * BUCKETS + b]!;
    }
    const p50 = quantileMs(sum, 0, 0.5);
    return p50 === undefined ? {} : { p50_ms: p50, p99_ms: quantileMs(sum, 0, 0.99)! };
  }

  #clear(i: number, second: number): void {
    this.#second[i] = second;
    this.#requests[i] = 0;
    this.#errors[i] = 0;
    this.#limited[i] = 0;
    this.#absorbed[i] = 0;
    this.#queueMs[i] = 0;
    this.#latency.fill(0, i * BUCKETS, (i + 1) * BUCKETS);
  }
}
