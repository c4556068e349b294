// The Spend section: the cost since the start, where the ledger is kept, and a bar per budget of
// what this period has spent against its limit, with the period's reset counted down locally.
// Budget names can be client labels (header values): they go in as text.
import { budgetRow, costSummary, storeText } from './budget-rows.js';
import { countdown } from './countdown.js';
import { el, pair } from './element.js';

/**
 * @typedef {import('./budget-rows.js').SpendStats} SpendStats
 * @typedef {import('./budget-rows.js').CostTotals} CostTotals
 * @typedef {{ spend: SpendStats, totals: CostTotals | undefined }} SpendFields
 */

/**
 * @param {import('./budget-rows.js').BudgetStats} b
 * @param {number} polledAt performance.now() when /stats answered
 */
function budgetLine(b, polledAt) {
  const r = budgetRow(b);
  const fill = el('span', { class: 'spend-fill' });
  fill.style.width = `${(r.fraction * 100).toFixed(1)}%`;
  const level = r.spent ? ' over' : r.fraction >= 0.8 ? ' near' : '';
  return el(
    'div',
    { class: r.spent ? 'budget spent' : 'budget' },
    el('span', { class: 'budget-subject', title: r.subject }, r.subject),
    el('span', { class: 'budget-period muted' }, r.period),
    el('span', { class: `bar spend-bar${level}`, attrs: { 'aria-hidden': 'true' } }, fill),
    el(
      'span',
      { class: 'budget-amount', title: r.allowUnknown ? 'requests with no known price pass' : '' },
      r.amount,
      r.spent ? el('span', { class: 'badge budget-spent' }, 'spent') : null,
    ),
    el(
      'span',
      { class: 'budget-reset muted' },
      countdown(polledAt + r.resetsInMs, 'resets in ', 'resetting'),
    ),
  );
}

/**
 * @param {SpendFields} value
 * @param {number} polledAt
 * @returns {Node[]}
 */
export function spendView({ spend, totals }, polledAt) {
  const cost = costSummary(totals);
  const summary = el(
    'dl',
    { class: 'pairs' },
    pair('cost since start', cost.total, 'spend-total'),
    cost.unknown === undefined ? null : pair('unpriced', cost.unknown, 'spend-unpriced'),
    pair('ledger', storeText(spend.store)),
    spend.timezone ? pair('periods in', spend.timezone) : null,
  );
  const budgets = Array.isArray(spend.budgets) ? spend.budgets : [];
  if (budgets.length === 0) return [summary, el('p', { class: 'muted' }, 'No budgets configured.')];
  return [
    summary,
    el(
      'div',
      { class: 'budgets' },
      budgets.map((b) => budgetLine(b, polledAt)),
    ),
  ];
}
