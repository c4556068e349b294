// The /stats/recent series as the columns the charts draw: one array per line, a null where a
// second had nothing to measure (no requests: no latency), so lines break instead of dropping to 0.

/**
 * @typedef {{
 *   t: number, requests: number, errors: number, upstream_429s: number, absorbed_429s: number,
 *   p50_ms?: number, p99_ms?: number, queue_ms?: number,
 * }} SecondStats
 */

/** Seconds of queue-depth readings kept: as long as the series. */
export const DEPTH_SECONDS = 300;

/**
 * The seconds since the gateway started (before, there is nothing to draw, not a run of zeros).
 * @param {SecondStats[]} series oldest first
 * @param {number} uptimeS
 */
export function sinceStart(series, uptimeS) {
  const last = series.at(-1);
  if (last === undefined) return series;
  const first = last.t - Math.max(1, Math.ceil(uptimeS));
  const from = series.findIndex((s) => s.t >= first);
  return from <= 0 ? series : series.slice(from);
}

/**
 * @param {SecondStats[]} series oldest first
 * @param {ReadonlyMap<number, number>} depth second -> requests waiting, as read from /stats
 */
export function chartData(series, depth) {
  const n = series.length;
  /** @param {(s: SecondStats) => number | null} pick */
  const column = (pick) => {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = pick(/** @type {SecondStats} */ (series[i]));
    return out;
  };
  return {
    t: column((s) => s.t),
    requests: column((s) => s.requests),
    errors: column((s) => s.errors),
    p50: column((s) => s.p50_ms ?? null),
    p99: column((s) => s.p99_ms ?? null),
    queueMs: column((s) => s.queue_ms ?? null),
    depth: column((s) => depth.get(s.t) ?? null),
    upstream429s: column((s) => s.upstream_429s),
    absorbed429s: column((s) => s.absorbed_429s),
  };
}
