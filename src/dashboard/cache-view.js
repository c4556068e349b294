// The Cache section: whether the response cache is on, how often it answered, what it holds
// against its bound, and what its hits saved (tokens and dollars they did not cost upstream).
import { el, pair } from './element.js';
import { formatBytes, formatCount, formatPercent, formatUsd } from './format.js';

/**
 * @typedef {{
 *   enabled?: boolean, store?: string, entries?: number, bytes?: number, max_bytes?: number,
 *   ttl_seconds?: number, hits?: number, misses?: number, bypassed?: number, coalesced?: number,
 *   hit_ratio?: number, saved?: { input_tokens?: number, output_tokens?: number, usd?: number },
 * }} CacheStats
 */

/** @param {number | undefined} n @param {(n: number) => string} format */
const shown = (n, format) => (typeof n === 'number' && Number.isFinite(n) ? format(n) : '–');

/** @param {CacheStats} c */
export function cacheView(c) {
  if (c.enabled === false) return [el('p', { class: 'muted' }, 'Off (--no-cache or cache.enabled: false).')];
  const saved = c.saved ?? {};
  const tokens = (saved.input_tokens ?? 0) + (saved.output_tokens ?? 0);
  const size = `${shown(c.bytes, formatBytes)} of ${shown(c.max_bytes, formatBytes)}`;
  return [
    el(
      'dl',
      { class: 'pairs' },
      pair('hit ratio', shown(c.hit_ratio, formatPercent), 'cache-hit-ratio'),
      pair('hits', shown(c.hits, formatCount), 'cache-hits'),
      pair('misses', shown(c.misses, formatCount), 'cache-misses'),
      pair('coalesced', shown(c.coalesced, formatCount), 'cache-coalesced'),
      pair('entries', shown(c.entries, formatCount), 'cache-entries'),
      pair('size', size, 'cache-size'),
      pair('ttl', c.ttl_seconds === undefined ? '–' : `${c.ttl_seconds} s`, 'cache-ttl'),
      pair('tokens saved', formatCount(tokens), 'cache-saved-tokens'),
      pair('cost saved', shown(saved.usd, formatUsd), 'cache-saved-usd'),
    ),
  ];
}
