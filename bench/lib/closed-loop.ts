// Closed-loop load from this process: `connections` loops, each sending its next request when the
// last one's answer has been read to the end. Unlike wrk it can vary the body per request (a miss
// needs a new prompt each time) and check a response header (that a hit really was one). Given
// several URLs (processes behind no balancer), request `i` goes to the `i % n`th: round robin.
import { build } from 'hdr-histogram-js';
import { Pool } from 'undici';

export interface LoopSpec {
  url: string | readonly string[];
  /** The body of request number `i` (counted across all connections). */
  body: (i: number) => string;
  connections: number;
  seconds: number;
  /** The same for every request, or request number `i`'s own (the key it names, say). */
  headers?: Record<string, string> | ((i: number) => Record<string, string>);
  /** Counts the answers whose `x-cache` header has this value. */
  expectCache?: string;
}

export interface LoopResult {
  rps: number;
  requests: number;
  p50ms: number;
  p99ms: number;
  /** Answers that were not 200, or failed. */
  errors: number;
  /** Answers whose `x-cache` was `expectCache`. */
  matched: number;
}

export async function closedLoop(spec: LoopSpec): Promise<LoopResult> {
  const targets = (typeof spec.url === 'string' ? [spec.url] : spec.url).map((url) => {
    const target = new URL(url);
    return {
      path: target.pathname,
      pool: new Pool(target.origin, { connections: spec.connections, pipelining: 1 }),
    };
  });
  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000 });
  const json = { 'content-type': 'application/json' };
  const fixed = typeof spec.headers === 'function' ? undefined : { ...json, ...spec.headers };
  const own = typeof spec.headers === 'function' ? spec.headers : undefined;
  let next = 0;
  let errors = 0;
  let matched = 0;
  const started = performance.now();
  const deadline = started + spec.seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const body = spec.body(i);
      const { pool, path } = targets[i % targets.length]!;
      const headers = fixed ?? { ...json, ...own?.(i) };
      const sent = performance.now();
      try {
        const res = await pool.request({ path, method: 'POST', headers, body });
        for await (const _chunk of res.body) {
          // read to the end: a stream's time is its last event's
        }
        if (res.statusCode !== 200) errors++;
        if (spec.expectCache !== undefined && res.headers['x-cache'] === spec.expectCache) matched++;
      } catch {
        errors++;
      }
      histogram.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.connections }, loop));
  } finally {
    await Promise.all(targets.map((t) => t.pool.close()));
  }
  const elapsed = (performance.now() - started) / 1000;
  const result = {
    rps: histogram.totalCount / elapsed,
    requests: histogram.totalCount,
    p50ms: histogram.getValueAtPercentile(50) / 1000,
    p99ms: histogram.getValueAtPercentile(99) / 1000,
    errors,
    matched,
  };
  histogram.destroy();
  return result;
}
