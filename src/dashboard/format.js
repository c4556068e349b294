// How numbers, durations and times read on the dashboard. Fixed to one locale so what a test
// reads is what a person reads.

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const short = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** @param {number} n e.g. 12,345 */
export function formatCount(n) {
  return whole.format(n);
}

/** @param {number} n 999, 12.3k, 4.5M: for tight spaces */
export function formatCompact(n) {
  if (Math.abs(n) < 10_000) return whole.format(n);
  if (Math.abs(n) < 1_000_000) return `${short.format(n / 1000)}k`;
  return `${short.format(n / 1_000_000)}M`;
}

/** @param {number | undefined} ms a latency: 87 ms, 1.2 s */
export function formatLatency(ms) {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${short.format(ms)} ms`;
  return `${short.format(ms / 1000)} s`;
}

/**
 * A countdown or a span of time, to the second below a minute: 4.2 s, 1 m 05 s, 2 h 03 m, 3 d 4 h.
 * @param {number} ms
 */
export function formatDuration(ms) {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const pad = (/** @type {number} */ n) => String(Math.floor(n)).padStart(2, '0');
  if (s < 3600)
    return Math.floor(s % 60) === 0 ? `${Math.floor(s / 60)} m` : `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${pad((s % 3600) / 60)} m`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** @param {number} wallMs the local time of day, 14:03:07 */
export function formatClock(wallMs) {
  const d = new Date(wallMs);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** @param {number} bytes 512 B, 1.5 MB */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${whole.format(bytes)} B`;
  if (bytes < 1024 ** 2) return `${short.format(bytes / 1024)} KB`;
  if (bytes < 1024 ** 3) return `${short.format(bytes / 1024 ** 2)} MB`;
  return `${short.format(bytes / 1024 ** 3)} GB`;
}

/** @param {number} usd $0.0042, $12.35 */
export function formatUsd(usd) {
  return usd !== 0 && Math.abs(usd) < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

/** @param {number} ratio 0..1 as a percentage */
export function formatPercent(ratio) {
  return `${short.format(ratio * 100)}%`;
}
