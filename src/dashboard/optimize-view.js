// The Tokens saved section: what context optimization took out of requests before they went
// upstream (estimated tokens, and the share of all it looked at), and how.
import { el, pair } from './element.js';
import { formatCount } from './format.js';

/**
 * @typedef {{
 *   enabled?: boolean, requests?: number, optimized?: number, tokens_before?: number,
 *   tokens_saved?: number, saved_percent?: number, crushed?: number, compacted?: number,
 *   deduped?: number, items_dropped?: number, breakpoints?: number, cache_read_tokens?: number,
 * }} OptimizeStats
 */

/** @param {number | undefined} n */
const count = (n) => (typeof n === 'number' && Number.isFinite(n) ? formatCount(n) : '–');

/** @param {OptimizeStats} o */
export function optimizeView(o) {
  if (o.enabled === false && !o.requests) {
    return [el('p', { class: 'muted' }, 'Off (--no-optimize or optimize.enabled: false).')];
  }
  const percent = typeof o.saved_percent === 'number' ? `${o.saved_percent.toFixed(1)}%` : '–';
  return [
    el(
      'dl',
      { class: 'pairs' },
      pair('tokens saved', count(o.tokens_saved), 'saved-tokens'),
      pair('of input', percent, 'saved-percent'),
      pair('requests changed', `${count(o.optimized)} of ${count(o.requests)}`, 'saved-requests'),
      pair('JSON crushed', count(o.crushed), 'saved-crushed'),
      pair('items left out', count(o.items_dropped), 'saved-items'),
      pair('compacted', count(o.compacted), 'saved-compacted'),
      pair('deduplicated', count(o.deduped), 'saved-deduped'),
      pair('prompt-cache reads', count(o.cache_read_tokens), 'saved-cache-reads'),
    ),
  ];
}
