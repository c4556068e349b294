// The budgets (`budgets:`, `--budget`, each virtual key's `budget`) a request touches, as period
// claims in USD: the estimate (input estimate plus output bound at the model's price) is reserved
// before sending, with the request's ingress claims, all or nothing; the real cost settles it.
//
//   scope global                        one counter
//   scope client|upstream|model, name   that one; without a name, each one separately
import type { BudgetConfig } from '../config/schema.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Claim, PeriodClaim } from '../store/state-store.ts';
import type { BudgetPeriod, PeriodCalendar } from './budget-period.ts';

export type BudgetScope = BudgetConfig['scope'];

export interface BudgetRule {
  readonly scope: BudgetScope;
  readonly name: string | undefined;
  readonly period: BudgetPeriod;
  readonly limitUsd: number;
  readonly allowUnknown: boolean;
}

export interface BudgetClaim extends PeriodClaim {
  readonly rule: BudgetRule;
  /** Whom it caps: the client's id, the upstream, the model; `global` for the global scope. */
  readonly subject: string;
  readonly periodLabel: string;
}

/** What a request is, for its budgets. */
export interface BudgetSubject {
  readonly clientId: string;
  /** How a budget's `name` may name the client (a virtual key's name, an address, a header's value). */
  readonly clientLabel: string;
  readonly upstream: string;
  readonly model: string;
}

/** Budget instances remembered for /stats and /metrics (nameless rules make one per subject). */
const TRACKED_LIMIT = 1000;

export class BudgetBook {
  readonly rules: readonly BudgetRule[];
  readonly calendar: PeriodCalendar;
  /** A claim per counter key of unnamed budgets, for reports; bounded, the oldest first out. */
  readonly #seen = new Map<string, BudgetClaim>();

  constructor(rules: readonly BudgetRule[], calendar: PeriodCalendar) {
    this.rules = rules;
    this.calendar = calendar;
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  /**
   * Adds the request's budget claims to `out` (`estimateUsd` undefined: no price is known; refused
   * unless every budget touched allows unknown prices). Two rules on one counter claim it once, at
   * the lower limit.
   */
  claims(subject: BudgetSubject, estimateUsd: number | undefined, now: number, out: Claim[]): void {
    const start = out.length;
    for (const rule of this.rules) {
      const who = subjectOf(rule, subject);
      if (who === undefined) continue;
      if (estimateUsd === undefined && !rule.allowUnknown) {
        throw new GatewayError(
          'budget_exceeded',
          `No price is known for model "${subject.model}", and the ${describe(rule)} budget does not let unpriced models through. Give it a price under "pricing:" or set allow_unknown: true on the budget.`,
        );
      }
      const span = this.calendar.span(rule.period, now);
      const key = counterKey(rule, who, span.label);
      const claim: BudgetClaim = {
        kind: 'period',
        key,
        amount: estimateUsd ?? 0,
        limit: rule.limitUsd,
        endsAt: span.end,
        rule,
        subject: who,
        periodLabel: span.label,
      };
      const twin = findKey(out, start, key);
      if (twin === -1) out.push(claim);
      else if ((out[twin] as BudgetClaim).limit > claim.limit) out[twin] = claim;
    }
    for (let i = start; i < out.length; i++) {
      const claim = out[i] as BudgetClaim;
      // Global and named budgets are reported from their rule; unnamed ones by the instances met.
      if (claim.rule.scope !== 'global' && claim.rule.name === undefined) this.#track(claim);
    }
  }

  /** The budget instances seen lately (the latest claim of each), for reports. */
  tracked(): IterableIterator<BudgetClaim> {
    return this.#seen.values();
  }

  #track(claim: BudgetClaim): void {
    if (this.#seen.has(claim.key)) return;
    if (this.#seen.size >= TRACKED_LIMIT) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(claim.key, claim);
  }
}

function subjectOf(rule: BudgetRule, s: BudgetSubject): string | undefined {
  switch (rule.scope) {
    case 'global':
      return 'global';
    case 'client':
      // A named budget's counter is named by it; an unnamed one makes one per client id.
      if (rule.name === undefined) return s.clientId;
      return rule.name === s.clientLabel || rule.name === s.clientId ? rule.name : undefined;
    case 'upstream':
      return rule.name === undefined || rule.name === s.upstream ? s.upstream : undefined;
    case 'model':
      // A call without a model is not the model budget's to count.
      if (s.model === '') return undefined;
      return rule.name === undefined || rule.name === s.model ? s.model : undefined;
  }
}

/** The store counter of a rule's subject in one period instance. */
export function counterKey(rule: BudgetRule, subject: string, periodLabel: string): string {
  return `budget/${rule.scope}/${subject}/${rule.period}/${periodLabel}`;
}

function findKey(out: readonly Claim[], from: number, key: string): number {
  for (let i = from; i < out.length; i++) if (out[i]!.key === key) return i;
  return -1;
}

export function describe(rule: BudgetRule): string {
  const who = rule.scope === 'global' ? 'global' : `${rule.scope} ${rule.name ?? '(each)'}`;
  return `${who} ${rule.period} $${rule.limitUsd}`;
}

/** The rules from the config: `budgets:` (with `--budget` in it) and each virtual key's daily one. */
export function budgetRules(
  budgets: readonly BudgetConfig[],
  keys: readonly { name: string; budget?: number | undefined }[],
): BudgetRule[] {
  const rules: BudgetRule[] = budgets.map((b) => ({
    scope: b.scope,
    name: b.scope === 'global' ? undefined : b.name,
    period: b.period,
    limitUsd: b.limit_usd,
    allowUnknown: b.allow_unknown,
  }));
  for (const k of keys)
    if (k.budget !== undefined)
      rules.push({ scope: 'client', name: k.name, period: 'daily', limitUsd: k.budget, allowUnknown: false });
  return rules;
}
