// The last requests, newest first: what /stats/recent gives and nothing more (no bodies, no
// headers; a key only masked). Paths and model names come from clients: they go in as text.
import { el, table } from './element.js';
import { formatClock, formatCount, formatLatency } from './format.js';

/**
 * @typedef {{
 *   id: string, at: number, method: string, path: string, status: number, ms: number,
 *   queue_ms: number, retries: number, upstream?: string, model?: string, key?: string,
 *   in?: number, out?: number, cache?: string, code?: string, aborted?: boolean,
 * }} RecentRequest
 */

const COLUMNS = [
  'Time',
  'Request',
  'Model',
  'Upstream',
  'Key',
  'Status',
  'Took',
  'Queued',
  'Retries',
  'Tokens',
  'Cache',
  'Note',
];

/** @param {number} status */
function statusClass(status) {
  return status === 0 ? 'status-none' : `status-${Math.floor(status / 100)}xx`;
}

/** @param {RecentRequest} r */
function row(r) {
  const tokens =
    r.in === undefined && r.out === undefined ? '' : `${formatCount(r.in ?? 0)} / ${formatCount(r.out ?? 0)}`;
  const note = [r.code, r.aborted ? 'client left' : undefined].filter(Boolean).join(' · ');
  return el(
    'tr',
    { attrs: { 'data-id': r.id } },
    el('td', { class: 'num' }, formatClock(r.at)),
    el('td', { class: 'path', title: `${r.method} ${r.path}` }, `${r.method} ${r.path}`),
    el('td', { class: 'model' }, r.model ?? ''),
    el('td', null, r.upstream ?? ''),
    el('td', null, r.key === undefined ? '' : el('code', null, r.key)),
    el('td', { class: `num ${statusClass(r.status)}` }, r.status === 0 ? '–' : r.status),
    el('td', { class: 'num' }, formatLatency(r.ms)),
    el('td', { class: 'num' }, r.queue_ms > 0 ? formatLatency(r.queue_ms) : ''),
    el('td', { class: 'num' }, r.retries > 0 ? r.retries : ''),
    el('td', { class: 'num', title: 'input / output' }, tokens),
    el('td', null, r.cache ?? ''),
    el('td', null, note),
  );
}

/** @param {RecentRequest[]} requests */
export function recentView(requests) {
  if (requests.length === 0) return el('p', { class: 'muted' }, 'No requests yet.');
  return table('recent', COLUMNS, requests.map(row));
}
