// Sections that features fill in as they arrive: spend, the cache, tokens saved. Each reads its
// own field of /stats; while the gateway sends no such field the section says so. A feature that
// arrives needs only its renderer here (docs/dashboard.md lists the fields expected).
import { cacheView } from './cache-view.js';
import { el } from './element.js';
import { formatCount } from './format.js';
import { spendView } from './spend-view.js';

/**
 * @typedef {import('./cache-view.js').CacheStats} CacheStats
 * @typedef {import('./budget-rows.js').SpendStats} SpendStats
 * @typedef {import('./budget-rows.js').CostTotals & { tokens?: { saved?: number } }} TotalsFields
 * @typedef {{ cache?: CacheStats, spend?: SpendStats, totals?: TotalsFields }} StatsFields
 * Each renderer takes the value its own `read` returned, hence `any` there; `polledAt` (when /stats
 * answered, on performance.now()) anchors countdowns.
 * @typedef {{
 *   id: string,
 *   title: string,
 *   read: (stats: StatsFields | undefined) => unknown,
 *   render: (value: any, polledAt: number) => Node[],
 *   absent: string,
 * }} LaterSection
 */

/**
 * @param {string} name
 * @param {string} value
 */
function pair(name, value) {
  return el('div', null, el('dt', null, name), el('dd', null, value));
}

/** @param {number | undefined} n @param {(n: number) => string} format */
const shown = (n, format) => (typeof n === 'number' && Number.isFinite(n) ? format(n) : '–');

/** @param {number} saved */
function renderSaved(saved) {
  return [el('dl', { class: 'pairs' }, pair('tokens saved', shown(saved, formatCount)))];
}

/** @type {LaterSection[]} */
export const LATER_SECTIONS = [
  {
    id: 'spend',
    title: 'Spend',
    // The cost since the start is a total like the others, so it lives in `totals`.
    read: (stats) => (stats?.spend ? { spend: stats.spend, totals: stats.totals } : undefined),
    render: spendView,
    absent: 'Not reported by this gateway.',
  },
  {
    id: 'cache',
    title: 'Cache',
    read: (stats) => stats?.cache,
    render: cacheView,
    absent: 'Not reported by this gateway.',
  },
  {
    id: 'saved',
    title: 'Tokens saved',
    read: (stats) => stats?.totals?.tokens?.saved,
    render: renderSaved,
    absent: 'Not enabled: context optimization arrives in a later release.',
  },
];

/**
 * Which sections have data: the value each one read, or undefined.
 * @param {StatsFields | undefined} stats
 * @returns {{ section: LaterSection, value: unknown }[]}
 */
export function laterSectionStates(stats) {
  return LATER_SECTIONS.map((section) => ({ section, value: section.read(stats) ?? undefined }));
}

/**
 * @param {StatsFields | undefined} stats
 * @param {number} polledAt
 */
export function laterSectionsView(stats, polledAt) {
  return laterSectionStates(stats).map(({ section, value }) =>
    el(
      'article',
      {
        class: value === undefined ? 'later-section absent' : 'later-section',
        attrs: { id: `later-${section.id}` },
      },
      el('h3', null, section.title),
      value === undefined ? el('p', { class: 'muted' }, section.absent) : section.render(value, polledAt),
    ),
  );
}
