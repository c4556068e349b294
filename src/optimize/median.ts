// The median by quickselect, over an even sample of at most SAMPLE values: a sort of thousands of
// values per field costs ~0.4 ms on the hot path, and a robust statistic needs no more.

const SAMPLE = 512;

function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** The median of the values (NaN-free), reordering them in place; NaN when there are none. */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const upper = select(values, n >> 1);
  if (n % 2) return upper;
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >> 1; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** The median of an even sample of the values that are not NaN (the input is left as it is). */
export function sampledMedian(values: ArrayLike<number>, map: (v: number) => number = (v) => v): number {
  const stride = Math.max(1, Math.floor(values.length / SAMPLE));
  const sample = new Float64Array(Math.ceil(values.length / stride));
  let k = 0;
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i]!;
    if (!Number.isNaN(v)) sample[k++] = map(v);
  }
  return medianInPlace(sample.subarray(0, k));
}
