// Each budget against what it has spent this period, for /stats, /metrics and the dashboard: the
// global and named budgets (at zero until touched), and for an unnamed one each client, upstream or
// model it met lately.
import type { PeriodClaim, StateStore } from '../store/state-store.ts';
import { type BudgetBook, type BudgetRule, counterKey } from './budget-book.ts';

export interface BudgetStats {
  scope: BudgetRule['scope'];
  /** Whom it caps: the budget's name, or the client, upstream or model an unnamed one met; null: global. */
  name: string | null;
  /** The rule has no name: this is one of its instances. */
  each: boolean;
  period: BudgetRule['period'];
  /** This period (`2026-12-02`, `2026-W49`), in `budgets_timezone`. */
  period_label: string;
  limit_usd: number;
  /** Settled, plus what requests still running reserved. */
  spent_usd: number;
  remaining_usd: number;
  resets_in_s: number;
  allow_unknown: boolean;
}

export function budgetReport(
  book: BudgetBook,
  store: StateStore,
  /** How a client id is shown (masked); upstreams and models show as they are. */
  labelOf: (rule: BudgetRule, subject: string) => string,
  now: number,
): BudgetStats[] {
  const out: BudgetStats[] = [];
  for (const rule of book.rules) {
    const span = book.calendar.span(rule.period, now);
    const row = (name: string | null, key: string) => {
      const claim: PeriodClaim = { kind: 'period', key, amount: 0, limit: rule.limitUsd, endsAt: span.end };
      const level = store.level(claim, now);
      const spent = typeof level === 'number' ? level : 0;
      out.push({
        scope: rule.scope,
        name,
        each: rule.scope !== 'global' && rule.name === undefined,
        period: rule.period,
        period_label: span.label,
        limit_usd: rule.limitUsd,
        spent_usd: round(spent),
        remaining_usd: round(Math.max(0, rule.limitUsd - spent)),
        resets_in_s: Math.max(0, Math.ceil((span.end - now) / 1000)),
        allow_unknown: rule.allowUnknown,
      });
    };
    if (rule.scope === 'global') row(null, counterKey(rule, 'global', span.label));
    else if (rule.name !== undefined) row(rule.name, counterKey(rule, rule.name, span.label));
    else
      for (const claim of book.tracked())
        if (claim.rule === rule && claim.periodLabel === span.label)
          row(labelOf(rule, claim.subject), claim.key);
  }
  return out;
}

/** To a millionth of a dollar: enough for a report, free of float noise. */
function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
