// Sections that features of later releases fill in: the cache, spend, tokens saved. Each reads its
// own field of /stats; while the gateway sends no such field the section says so. A feature that
// arrives needs only its renderer here (docs/dashboard.md lists the fields expected).
import { el } from './element.js';
import { formatBytes, formatCount, formatPercent, formatUsd } from './format.js';

/**
 * @typedef {{ entries?: number, bytes?: number, hits?: number, misses?: number, hit_ratio?: number }} CacheStats
 * @typedef {{ scope?: string, period?: string, limit_usd?: number, spent_usd?: number }} BudgetStats
 * @typedef {{ total_usd?: number, budgets?: BudgetStats[] }} SpendStats
 * @typedef {{ cache?: CacheStats, spend?: SpendStats, totals?: { tokens?: { saved?: number } } }} StatsFields
 * Each renderer takes the value its own `read` returned, hence `any` there.
 * @typedef {{
 *   id: string,
 *   title: string,
 *   read: (stats: StatsFields | undefined) => unknown,
 *   render: (value: any) => Node[],
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

/** @param {CacheStats} c */
function renderCache(c) {
  return [
    el(
      'dl',
      { class: 'pairs' },
      pair('hit ratio', shown(c.hit_ratio, formatPercent)),
      pair('hits', shown(c.hits, formatCount)),
      pair('misses', shown(c.misses, formatCount)),
      pair('entries', shown(c.entries, formatCount)),
      pair('size', shown(c.bytes, formatBytes)),
    ),
  ];
}

/** @param {SpendStats} s */
function renderSpend(s) {
  const budgets = Array.isArray(s.budgets) ? s.budgets : [];
  return [
    el('dl', { class: 'pairs' }, pair('spent', shown(s.total_usd, formatUsd))),
    ...budgets.map((b) =>
      el(
        'p',
        { class: 'budget' },
        `${b.scope ?? 'budget'} ${b.period ?? ''}: ${shown(b.spent_usd, formatUsd)} of ${shown(b.limit_usd, formatUsd)}`,
      ),
    ),
  ];
}

/** @param {number} saved */
function renderSaved(saved) {
  return [el('dl', { class: 'pairs' }, pair('tokens saved', shown(saved, formatCount)))];
}

/** @type {LaterSection[]} */
export const LATER_SECTIONS = [
  {
    id: 'cache',
    title: 'Cache',
    read: (stats) => stats?.cache,
    render: renderCache,
    absent: 'Not enabled: the response cache arrives in a later release.',
  },
  {
    id: 'spend',
    title: 'Spend',
    read: (stats) => stats?.spend,
    render: renderSpend,
    absent: 'Not enabled: spend tracking and budgets arrive in a later release.',
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

/** @param {StatsFields | undefined} stats */
export function laterSectionsView(stats) {
  return laterSectionStates(stats).map(({ section, value }) =>
    el(
      'article',
      {
        class: value === undefined ? 'later-section absent' : 'later-section',
        attrs: { id: `later-${section.id}` },
      },
      el('h3', null, section.title),
      value === undefined ? el('p', { class: 'muted' }, section.absent) : section.render(value),
    ),
  );
}
