// What the Spend section says, from /stats: the cost since the start (requests with no known price
// are never counted as free), where the ledger lives, and each budget as one row of text and a
// fraction for its bar. Pure, so it is tested without a browser.
import { formatCount, formatUsd } from './format.js';

/**
 * One budget this period, as /stats gives it (`spend.budgets`).
 * @typedef {{
 *   scope: 'global' | 'client' | 'upstream' | 'model',
 *   name: string | null,
 *   each: boolean,
 *   period: 'hourly' | 'daily' | 'weekly' | 'monthly',
 *   period_label: string,
 *   limit_usd: number,
 *   spent_usd: number,
 *   remaining_usd: number,
 *   resets_in_s: number,
 *   allow_unknown: boolean,
 * }} BudgetStats
 * @typedef {{ backend: string, location: string | null }} StoreStats
 * @typedef {{ store: StoreStats, timezone: string, budgets: BudgetStats[] }} SpendStats
 * @typedef {{ cost_usd?: number, unpriced?: number }} CostTotals
 */

/**
 * @typedef {{
 *   subject: string,
 *   period: string,
 *   amount: string,
 *   fraction: number,
 *   spent: boolean,
 *   resetsInMs: number,
 *   allowUnknown: boolean,
 * }} BudgetRow
 */

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${formatCount(n)} ${n === 1 ? one : many}`;

/**
 * The cost since the start. Requests whose price is unknown make the known sum a lower bound.
 * @param {CostTotals | undefined} totals
 * @returns {{ total: string, unknown?: string }}
 */
export function costSummary(totals) {
  const cost = typeof totals?.cost_usd === 'number' ? totals.cost_usd : 0;
  const unpriced = typeof totals?.unpriced === 'number' ? totals.unpriced : 0;
  if (unpriced <= 0) return { total: formatUsd(cost) };
  return {
    total: cost > 0 ? `at least ${formatUsd(cost)}` : 'unknown',
    unknown: `${plural(unpriced, 'request', 'requests')} of unknown cost`,
  };
}

/** @param {StoreStats | undefined} store */
export function storeText(store) {
  if (!store) return '–';
  if (store.backend === 'memory') return 'memory (gone on restart)';
  return store.location ? `${store.backend} ${store.location}` : store.backend;
}

/**
 * Whom a budget caps: "global", "model gpt-4o", or for an unnamed budget one of the subjects it
 * met, "client alice (each)".
 * @param {BudgetStats} b
 */
export function budgetSubject(b) {
  if (b.scope === 'global') return 'global';
  const whom = b.name === null ? b.scope : `${b.scope} ${b.name}`;
  return b.each ? `${whom} (each)` : whom;
}

/** @param {BudgetStats} b @returns {BudgetRow} */
export function budgetRow(b) {
  const fraction = b.limit_usd > 0 ? Math.min(1, Math.max(0, b.spent_usd / b.limit_usd)) : 1;
  return {
    subject: budgetSubject(b),
    period: `${b.period} ${b.period_label}`,
    amount: `${formatUsd(b.spent_usd)} of ${formatUsd(b.limit_usd)}`,
    fraction,
    // Reservations keep spend from passing the limit, so reaching it is what "spent" means.
    spent: b.spent_usd >= b.limit_usd,
    resetsInMs: Math.max(0, b.resets_in_s) * 1000,
    allowUnknown: b.allow_unknown,
  };
}
