// Each upstream: its breaker, its queues (waiting and in flight) and its keys. Upstreams that have
// neither keys nor traffic (presets nobody uses) share one line instead of a card each.
import { el } from './element.js';
import { formatCount, formatDuration } from './format.js';
import { breakerBadge, keyView } from './key-view.js';

/**
 * @typedef {import('./key-view.js').KeyStats} KeyStats
 * @typedef {import('./key-view.js').BreakerStats} BreakerStats
 * @typedef {{ name: string, queue_length: number, in_flight: number, keys: KeyStats[] }} QueueStats
 * @typedef {{
 *   name: string, dialect: string, keys: number,
 *   queue: { max_size: number, timeout_ms: number },
 *   breaker: BreakerStats, queues: QueueStats[],
 * }} UpstreamStats
 */

/**
 * @param {QueueStats} q
 * @param {UpstreamStats} u
 * @param {number} polledAt
 */
function queueView(q, u, polledAt) {
  return el(
    'section',
    { class: 'queue' },
    el(
      'h4',
      null,
      q.name === u.name ? 'Queue' : `Queue ${q.name}`,
      el(
        'span',
        { class: 'queue-numbers' },
        el('span', { class: 'queue-length' }, `${formatCount(q.queue_length)} waiting`),
        el('span', { class: 'queue-in-flight' }, `${formatCount(q.in_flight)} in flight`),
      ),
    ),
    q.keys.length
      ? el(
          'div',
          { class: 'keys' },
          q.keys.map((k) => keyView(k, polledAt)),
        )
      : el('p', { class: 'muted' }, 'No keys in this queue.'),
  );
}

/**
 * @param {UpstreamStats} u
 * @param {number} polledAt
 */
function upstreamView(u, polledAt) {
  const keys =
    u.keys === 0 ? 'client keys pass through' : `${formatCount(u.keys)} ${u.keys === 1 ? 'key' : 'keys'}`;
  return el(
    'article',
    { class: 'upstream' },
    el(
      'header',
      null,
      el('h3', null, u.name),
      el(
        'span',
        { class: 'muted' },
        `${u.dialect} · ${keys} · queue up to ${formatCount(u.queue.max_size)}, ${formatDuration(u.queue.timeout_ms)} wait`,
      ),
      breakerBadge(u.breaker, polledAt),
    ),
    u.queues.length
      ? u.queues.map((q) => queueView(q, u, polledAt))
      : el('p', { class: 'muted' }, 'No traffic yet.'),
  );
}

/**
 * @param {UpstreamStats} u
 */
function isIdle(u) {
  return u.keys === 0 && u.queues.length === 0 && u.breaker.state === 'closed';
}

/**
 * @param {UpstreamStats[]} upstreams
 * @param {number} polledAt performance.now() when /stats answered
 */
export function upstreamsView(upstreams, polledAt) {
  const idle = upstreams.filter(isIdle).map((u) => u.name);
  return [
    ...upstreams.filter((u) => !isIdle(u)).map((u) => upstreamView(u, polledAt)),
    idle.length ? el('p', { class: 'idle muted' }, `No keys and no traffic yet: ${idle.join(', ')}.`) : null,
  ];
}

/**
 * All requests waiting in any queue: one point of the queue-depth chart.
 * @param {UpstreamStats[]} upstreams
 */
export function queueDepth(upstreams) {
  let depth = 0;
  for (const u of upstreams) for (const q of u.queues) depth += q.queue_length;
  return depth;
}
