// What the Spend section says: the cost (unknown prices never read as free), the ledger, each budget.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BudgetStats, budgetRow, budgetSubject, costSummary, storeText } from './budget-rows.js';

const budget = (over: Partial<BudgetStats> = {}): BudgetStats => ({
  scope: 'global',
  name: null,
  each: false,
  period: 'daily',
  period_label: '2026-12-02',
  limit_usd: 20,
  spent_usd: 3.104217,
  remaining_usd: 16.895783,
  resets_in_s: 51840,
  allow_unknown: false,
  ...over,
});

describe('costSummary', () => {
  test('all priced: the sum in dollars, zero included', () => {
    assert.deepEqual(costSummary({ cost_usd: 0.4182, unpriced: 0 }), { total: '$0.42' });
    assert.deepEqual(costSummary({ cost_usd: 0, unpriced: 0 }), { total: '$0.00' });
  });

  test('some unpriced: the known sum is a lower bound, and the rest is counted as unknown', () => {
    assert.deepEqual(costSummary({ cost_usd: 1.5, unpriced: 3 }), {
      total: 'at least $1.50',
      unknown: '3 requests of unknown cost',
    });
  });

  test('only unpriced requests: the total is unknown, never $0', () => {
    const c = costSummary({ cost_usd: 0, unpriced: 1 });
    assert.equal(c.total, 'unknown');
    assert.equal(c.unknown, '1 request of unknown cost');
  });

  test('an older gateway with no cost fields reads as nothing spent', () => {
    assert.deepEqual(costSummary(undefined), { total: '$0.00' });
  });
});

test('storeText: the backend and where it keeps the ledger; memory says it does not last', () => {
  assert.equal(
    storeText({ backend: 'sqlite', location: './.cooldown/state.db' }),
    'sqlite ./.cooldown/state.db',
  );
  assert.equal(storeText({ backend: 'redis', location: null }), 'redis');
  assert.equal(storeText({ backend: 'memory', location: null }), 'memory (gone on restart)');
  assert.equal(storeText(undefined), '–');
});

test('budgetSubject: global, a named budget, and an instance of an unnamed one', () => {
  assert.equal(budgetSubject(budget()), 'global');
  assert.equal(budgetSubject(budget({ scope: 'model', name: 'gpt-4o' })), 'model gpt-4o');
  assert.equal(budgetSubject(budget({ scope: 'client', name: 'alice', each: true })), 'client alice (each)');
  assert.equal(budgetSubject(budget({ scope: 'upstream', name: null, each: true })), 'upstream (each)');
});

describe('budgetRow', () => {
  test('part spent: the period with its label, spent of limit, the bar fraction and the reset', () => {
    assert.deepEqual(budgetRow(budget()), {
      subject: 'global',
      period: 'daily 2026-12-02',
      amount: '$3.10 of $20.00',
      fraction: 3.104217 / 20,
      spent: false,
      resetsInMs: 51_840_000,
      allowUnknown: false,
    });
  });

  test('at the limit, or past it: spent, with a full bar', () => {
    const at = budgetRow(budget({ spent_usd: 20, remaining_usd: 0 }));
    assert.equal(at.spent, true);
    assert.equal(at.fraction, 1);
    const past = budgetRow(budget({ spent_usd: 20.5, remaining_usd: 0 }));
    assert.equal(past.spent, true);
    assert.equal(past.fraction, 1);
    assert.equal(past.amount, '$20.50 of $20.00');
  });

  test('a cent short of the limit is not spent; small amounts keep their digits', () => {
    const r = budgetRow(budget({ limit_usd: 0.05, spent_usd: 0.0042 }));
    assert.equal(r.spent, false);
    assert.equal(r.amount, '$0.0042 of $0.05');
  });
});
