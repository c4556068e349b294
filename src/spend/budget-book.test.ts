import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BudgetConfig } from '../config/schema.ts';
import type { Claim, PeriodClaim } from '../store/state-store.ts';
import { BudgetBook, type BudgetClaim, budgetRules } from './budget-book.ts';
import { PeriodCalendar } from './budget-period.ts';

const NOON = Date.UTC(2026, 11, 2, 12);
const subject = { clientId: 'vk:alice', clientLabel: 'alice', upstream: 'openai', model: 'gpt-4o' };

function budget(b: Partial<BudgetConfig> & { limit_usd: number }): BudgetConfig {
  return { scope: 'global', period: 'daily', allow_unknown: false, ...b } as BudgetConfig;
}

function claimsOf(book: BudgetBook, estimate: number | undefined, s = subject): BudgetClaim[] {
  const out: Claim[] = [];
  book.claims(s, estimate, NOON, out);
  return out as BudgetClaim[];
}

describe('BudgetBook', () => {
  test('each scope claims its own counter, for the period instance in its zone', () => {
    const book = new BudgetBook(
      budgetRules(
        [
          budget({ limit_usd: 100 }),
          budget({ scope: 'client', limit_usd: 5, period: 'monthly' }),
          budget({ scope: 'upstream', name: 'openai', limit_usd: 50, period: 'weekly' }),
          budget({ scope: 'model', name: 'gpt-4o', limit_usd: 20, period: 'hourly' }),
          budget({ scope: 'model', name: 'claude-opus-4-1', limit_usd: 20 }),
        ],
        [],
      ),
      new PeriodCalendar('UTC'),
    );
    const claims = claimsOf(book, 0.25);
    assert.deepEqual(
      claims.map((c) => c.key),
      [
        'budget/global/global/daily/2026-12-02',
        'budget/client/vk:alice/monthly/2026-12',
        'budget/upstream/openai/weekly/2026-W49',
        'budget/model/gpt-4o/hourly/2026-12-02T12',
      ],
      'the budget for another model is not touched',
    );
    for (const c of claims) assert.equal(c.amount, 0.25);
    assert.equal((claims[0] as PeriodClaim).endsAt, Date.UTC(2026, 11, 3));
  });

  test("a virtual key's budget is a daily client budget under its name; two rules on one counter claim once, at the lower limit", () => {
    const rules = budgetRules(
      [budget({ scope: 'client', name: 'alice', limit_usd: 9 })],
      [{ name: 'alice', budget: 3 }],
    );
    const claims = claimsOf(new BudgetBook(rules, new PeriodCalendar('UTC')), 0.1);
    assert.equal(claims.length, 1);
    assert.equal(claims[0]!.limit, 3);
    assert.equal(claims[0]!.key, 'budget/client/alice/daily/2026-12-02');
  });

  test('an unknown price is refused under a budget unless it allows unknown prices, then it reserves nothing', () => {
    const strict = new BudgetBook(budgetRules([budget({ limit_usd: 1 })], []), new PeriodCalendar('UTC'));
    assert.throws(
      () => claimsOf(strict, undefined),
      (err: Error & { code?: string }) => err.code === 'budget_exceeded' && /gpt-4o/.test(err.message),
    );
    const lenient = new BudgetBook(
      budgetRules([budget({ limit_usd: 1, allow_unknown: true })], []),
      new PeriodCalendar('UTC'),
    );
    assert.deepEqual(
      claimsOf(lenient, undefined).map((c) => c.amount),
      [0],
    );
  });

  test('budgets follow budgets_timezone: a day in Berlin starts at its midnight', () => {
    const book = new BudgetBook(
      budgetRules([budget({ limit_usd: 1 })], []),
      new PeriodCalendar('Europe/Berlin'),
    );
    const out: Claim[] = [];
    // 23:30 UTC on Dec 2 is already Dec 3 in Berlin.
    book.claims(subject, 0.1, Date.UTC(2026, 11, 2, 23, 30), out);
    assert.equal(out[0]!.key, 'budget/global/global/daily/2026-12-03');
    assert.equal((out[0] as PeriodClaim).endsAt, Date.UTC(2026, 11, 3, 23));
  });

  test('no rules: nothing claimed, and inactive', () => {
    const book = new BudgetBook([], new PeriodCalendar('UTC'));
    assert.equal(book.active, false);
    assert.deepEqual(claimsOf(book, 1), []);
  });
});
