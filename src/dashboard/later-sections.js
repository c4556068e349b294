// Sections that features fill in as they arrive: spend, the cache, tokens saved. Each reads its
// own field of /stats; while the gateway sends no such field the section says so. A feature that
// arrives needs only its renderer here (docs/dashboard.md lists the fields expected).
import { cacheView } from './cache-view.js';
import { el } from './element.js';
import { optimizeView } from './optimize-view.js';
import { spendView } from './spend-view.js';

/**
 * @typedef {import('./cache-view.js').CacheStats} CacheStats
 * @typedef {import('./budget-rows.js').SpendStats} SpendStats
 * @typedef {import('./optimize-view.js').OptimizeStats} OptimizeStats
 * @typedef {import('./budget-rows.js').CostTotals} TotalsFields
 * @typedef {{ cache?: CacheStats, spend?: SpendStats, totals?: TotalsFields, optimize?: OptimizeStats }} StatsFields
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
    read: (stats) => stats?.optimize,
    render: optimizeView,
    absent: 'Not reported by this gateway.',
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
