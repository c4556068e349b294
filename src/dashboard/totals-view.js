// What has gone through since the gateway started: requests by status, tokens, 429s sent by
// upstreams against those the gateway absorbed, refusals by code, and latency of the last minute.
import { el } from './element.js';
import { formatCount, formatLatency } from './format.js';

/**
 * @typedef {{
 *   requests: number,
 *   by_status: Record<string, number>,
 *   tokens: { input: number, output: number, saved?: number },
 *   refusals: Record<string, number>,
 *   upstream_429s: number,
 *   absorbed_429s: number,
 *   aborted: number,
 * }} Totals
 * @typedef {{ p50_ms?: number, p99_ms?: number }} Latency
 */

const STATUS_NAMES = {
  '1xx': '1xx',
  '2xx': '2xx',
  '3xx': '3xx',
  '4xx': '4xx',
  '5xx': '5xx',
  none: 'no answer',
};

/**
 * @param {string} id
 * @param {string} name
 * @param {string} value
 * @param {string | Node} [detail]
 */
function tile(id, name, value, detail) {
  return el(
    'div',
    { class: 'tile', attrs: { id } },
    el('div', { class: 'tile-name' }, name),
    el('div', { class: 'tile-value' }, value),
    detail === undefined ? null : el('div', { class: 'tile-detail muted' }, detail),
  );
}

/** @param {Totals} t */
function statusLine(t) {
  const parts = Object.entries(STATUS_NAMES)
    .filter(([cls]) => (t.by_status[cls] ?? 0) > 0 || cls === '2xx')
    .map(([cls, name]) =>
      el('span', { class: `status-${cls}` }, `${name} ${formatCount(t.by_status[cls] ?? 0)}`),
    );
  return el(
    'span',
    null,
    parts.flatMap((p, i) => (i === 0 ? [p] : [' · ', p])),
  );
}

/** @param {Totals} t */
function refusalsLine(t) {
  const codes = Object.entries(t.refusals).sort((a, b) => b[1] - a[1]);
  if (codes.length === 0) return 'none';
  return codes.map(([code, n]) => `${code} ${formatCount(n)}`).join(' · ');
}

/**
 * @param {Totals} t
 * @param {Latency} latency
 */
export function totalsView(t, latency) {
  const refused = Object.values(t.refusals).reduce((a, b) => a + b, 0);
  return [
    tile('total-requests', 'Requests', formatCount(t.requests), statusLine(t)),
    tile(
      'total-tokens',
      'Tokens',
      formatCount(t.tokens.input + t.tokens.output),
      `${formatCount(t.tokens.input)} in · ${formatCount(t.tokens.output)} out`,
    ),
    tile(
      'total-upstream-429s',
      'Upstream 429s',
      formatCount(t.upstream_429s),
      'sent by upstreams (each attempt)',
    ),
    tile('total-absorbed-429s', '429s absorbed', formatCount(t.absorbed_429s), 'waited or retried instead'),
    tile('total-refusals', 'Gateway refusals', formatCount(refused), refusalsLine(t)),
    tile('total-aborted', 'Client left', formatCount(t.aborted), 'before the answer was complete'),
    tile(
      'latency',
      'p50 latency, 1 min',
      formatLatency(latency.p50_ms),
      `p99 ${formatLatency(latency.p99_ms)}`,
    ),
  ];
}
