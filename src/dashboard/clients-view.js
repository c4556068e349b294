// The Clients section: how callers are told apart and limited, then a table of the clients seen
// lately. Labels come from clients (a header's value, an address): they go in as text.
import { clientRow, identifyByText, limitsText } from './client-rows.js';
import { el, pair, table } from './element.js';
import { formatCount } from './format.js';

/** @typedef {import('./client-rows.js').ClientsStats} ClientsStats */

const COLUMNS = [
  'Client',
  'Requests',
  'Rate limited',
  'Over budget',
  'Requests left',
  'Tokens left',
  'Last seen',
];

/** @param {import('./client-rows.js').ClientStats} c */
function row(c) {
  const r = clientRow(c);
  return el(
    'tr',
    null,
    el('td', { class: 'client', title: r.client }, r.client),
    el('td', { class: 'num' }, r.requests),
    el('td', { class: c.rate_limited > 0 ? 'num status-4xx' : 'num' }, r.rateLimited),
    el('td', { class: c.over_budget > 0 ? 'num status-4xx' : 'num' }, r.overBudget),
    el('td', { class: 'num' }, r.requestsLeft),
    el('td', { class: 'num' }, r.tokensLeft),
    el('td', { class: 'num' }, r.lastSeen),
  );
}

/**
 * @param {ClientsStats | undefined} clients
 * @returns {Node[]}
 */
export function clientsView(clients) {
  if (!clients) return [el('p', { class: 'muted' }, 'This gateway does not report its clients.')];
  const summary = el(
    'dl',
    { class: 'pairs clients-summary' },
    pair('told apart by', identifyByText(clients.identify_by)),
    clients.virtual_keys > 0 ? pair('virtual keys', formatCount(clients.virtual_keys)) : null,
    pair('client limits', clients.ingress ? 'on' : 'off'),
    pair('default limits', limitsText(clients.limits)),
    pair('counters tracked', formatCount(clients.tracked)),
  );
  const recent = Array.isArray(clients.recent) ? clients.recent : [];
  if (recent.length === 0) return [summary, el('p', { class: 'muted' }, 'No clients seen yet.')];
  return [summary, el('div', { class: 'table-wrap' }, table('clients', COLUMNS, recent.map(row)))];
}
