// What a key's rate-limit window shows as a bar: which limit applies (the one learned from the
// upstream's headers while they are fresh, else the configured one), what is left of it, and when
// it resets, counted down locally between two polls of /stats.

/**
 * One window of a key, as /stats gives it.
 * @typedef {{
 *   dimension: 'requests' | 'tokens' | 'input_tokens' | 'output_tokens',
 *   window: 'second' | 'minute' | 'hour' | 'day' | 'unspecified',
 *   configured_limit?: number,
 *   learned_limit?: number,
 *   remaining?: number,
 *   reset_in_ms?: number,
 *   source: 'headers' | 'config' | 'none',
 * }} WindowStats
 */

/**
 * @typedef {{
 *   label: string,
 *   limit?: number,
 *   limitKind?: 'learned' | 'configured',
 *   remaining?: number,
 *   fraction?: number,
 *   resetInMs?: number,
 * }} Capacity
 */

const DIMENSIONS = {
  requests: 'requests',
  tokens: 'tokens',
  input_tokens: 'input tokens',
  output_tokens: 'output tokens',
};

/**
 * @param {WindowStats} w
 * @returns {{ limit?: number, limitKind?: 'learned' | 'configured' }}
 */
function limitOf(w) {
  if (w.source === 'headers' && w.learned_limit !== undefined)
    return { limit: w.learned_limit, limitKind: 'learned' };
  if (w.configured_limit !== undefined) return { limit: w.configured_limit, limitKind: 'configured' };
  // Learned once, not fresh now: still the best idea of the window's size.
  if (w.learned_limit !== undefined) return { limit: w.learned_limit, limitKind: 'learned' };
  return {};
}

/**
 * @param {WindowStats} w
 * @param {number} sincePollMs time since /stats answered
 * @returns {Capacity}
 */
export function capacityOf(w, sincePollMs) {
  const label =
    w.window === 'unspecified' ? DIMENSIONS[w.dimension] : `${DIMENSIONS[w.dimension]} / ${w.window}`;
  /** @type {Capacity} */
  const out = { label, ...limitOf(w) };
  if (w.remaining !== undefined) out.remaining = w.remaining;
  if (out.limit !== undefined && out.limit > 0 && out.remaining !== undefined)
    out.fraction = Math.min(1, Math.max(0, out.remaining / out.limit));
  if (w.reset_in_ms !== undefined) out.resetInMs = Math.max(0, w.reset_in_ms - sincePollMs);
  return out;
}
