// Latencies counted in log-spaced buckets (four per doubling), so percentiles of any span of
// seconds come from adding counts: fixed memory, no samples kept. A percentile is its bucket's
// upper bound, within 19% of the true value, which is plenty for a live view.

const PER_DOUBLING = 4;
const SMALLEST_MS = 0.25;
/** 0.25 ms .. ~10 minutes. */
export const BUCKETS = 88;

export function bucketOf(ms: number): number {
  if (!(ms > SMALLEST_MS)) return 0;
  const i = Math.ceil(Math.log2(ms / SMALLEST_MS) * PER_DOUBLING);
  return i < BUCKETS ? i : BUCKETS - 1;
}

export function upperBoundMs(bucket: number): number {
  return SMALLEST_MS * 2 ** (bucket / PER_DOUBLING);
}

/** The `q` quantile (0..1) of the counts in `counts[from .. from + BUCKETS)`; undefined when empty. */
export function quantileMs(counts: Uint32Array, from: number, q: number): number | undefined {
  let total = 0;
  for (let i = 0; i < BUCKETS; i++) total += counts[from + i]!;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(total * q));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += counts[from + i]!;
    if (seen >= rank) return Math.round(upperBoundMs(i) * 10) / 10;
  }
  return undefined;
}
