// One upstream key: its breaker, what it has in flight, what it has done, and a capacity bar per
// rate-limit window. The key appears only as the masked label /stats gives.
import { capacityOf } from './capacity.js';
import { countdown } from './countdown.js';
import { el } from './element.js';
import { formatCount } from './format.js';

/**
 * @typedef {{ state: 'closed' | 'open' | 'half_open', closes_in_ms?: number, opens: number }} BreakerStats
 * @typedef {import('./capacity.js').WindowStats} WindowStats
 * @typedef {{
 *   key: string, in_flight: number, answers: number, paused_for_ms: number, held_for_ms?: number,
 *   windows: WindowStats[],
 *   requests: number, errors: number, rate_limited: number, malformed_events: number,
 *   breaker: BreakerStats, removed?: string,
 * }} KeyStats
 */

const BREAKER_TEXT = { closed: 'closed', half_open: 'half-open', open: 'open' };

/**
 * The breaker's state as colour and text; an open one counts down to its next probe.
 * @param {BreakerStats} b
 * @param {number} polledAt performance.now() when /stats answered
 */
export function breakerBadge(b, polledAt) {
  const badge = el('span', { class: `badge breaker breaker-${b.state}`, title: `opened ${b.opens} times` });
  badge.append(`breaker ${BREAKER_TEXT[b.state] ?? b.state}`);
  if (b.state === 'open' && b.closes_in_ms !== undefined)
    badge.append(' · ', countdown(polledAt + b.closes_in_ms, 'probe in ', 'probing'));
  return badge;
}

/**
 * @param {WindowStats} w
 * @param {number} polledAt
 */
function capacityBar(w, polledAt) {
  const c = capacityOf(w, 0);
  const fill = el('span', { class: 'bar-fill' });
  fill.style.width = `${((c.fraction ?? 0) * 100).toFixed(1)}%`;
  const low = c.fraction !== undefined && c.fraction < 0.2;
  const bar = el('span', { class: low ? 'bar low' : 'bar', attrs: { 'aria-hidden': 'true' } }, fill);
  const amount =
    c.limit === undefined
      ? c.remaining === undefined
        ? 'no limit known'
        : `${formatCount(c.remaining)} left`
      : c.remaining === undefined
        ? `limit ${formatCount(c.limit)}`
        : `${formatCount(c.remaining)} of ${formatCount(c.limit)} left`;
  return el(
    'div',
    { class: 'capacity' },
    el('span', { class: 'capacity-label' }, c.label),
    bar,
    el('span', { class: 'capacity-amount' }, amount),
    el('span', { class: 'capacity-kind muted' }, c.limitKind ?? ''),
    c.resetInMs === undefined
      ? el('span', { class: 'capacity-reset muted' })
      : el(
          'span',
          { class: 'capacity-reset muted' },
          countdown(polledAt + c.resetInMs, 'resets in ', 'reset'),
        ),
  );
}

/**
 * @param {KeyStats} k
 * @param {number} polledAt
 */
export function keyView(k, polledAt) {
  const flags = [];
  if (k.removed !== undefined) flags.push(el('span', { class: 'badge removed' }, `removed: ${k.removed}`));
  if (k.paused_for_ms > 0)
    flags.push(
      el('span', { class: 'badge paused' }, countdown(polledAt + k.paused_for_ms, 'paused ', 'resumed')),
    );
  if (k.held_for_ms > 0)
    flags.push(
      el(
        'span',
        { class: 'badge paused' },
        countdown(polledAt + k.held_for_ms, 'held by other gateways ', 'free'),
      ),
    );
  const numbers = [
    ['in flight', k.in_flight],
    ['requests', k.requests],
    ['errors', k.errors],
    ['429s', k.rate_limited],
  ];
  if (k.malformed_events > 0) numbers.push(['bad events', k.malformed_events]);
  const windows = k.windows.length
    ? k.windows.map((w) => capacityBar(w, polledAt))
    : [
        el(
          'p',
          { class: 'muted' },
          k.answers === 0 ? 'No answers yet.' : 'No limits configured or reported.',
        ),
      ];
  return el(
    'article',
    { class: 'key' },
    el('header', null, el('code', { class: 'key-label' }, k.key), breakerBadge(k.breaker, polledAt), flags),
    el(
      'dl',
      { class: 'key-numbers' },
      numbers.map(([name, value]) =>
        el(
          'div',
          name === 'in flight' ? { class: 'in-flight' } : null,
          el('dt', null, name),
          el('dd', null, formatCount(Number(value))),
        ),
      ),
    ),
    windows,
  );
}
