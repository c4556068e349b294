// One budget across three gateway processes (the real CLI) on one real redis-server: concurrent
// requests dealt round the three, against a budget with room for about ten, let at most ten through
// plus one reservation in flight per process; without Redis each process spends the whole budget.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dealt, type Fleet, type FleetGateway, fleetSuite, untilAllCounted } from '../support/fleet.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const PRICE = { input: 1000, output: 1000 }; // USD per million: $0.001 a token
const LIMIT_USD = 1.2;

interface Outcome {
  status: number;
  code?: string;
}

async function ask(url: string): Promise<Outcome> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // About $0.11 reserved each (its prompt and 100 output tokens): ten fit under $1.20.
    body: JSON.stringify({
      model: 'house-model',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'what does this cost' }],
    }),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code === undefined
    ? { status: res.status }
    : { status: res.status, code: body.error.code };
}

async function spentAcross(gateways: FleetGateway[]): Promise<{ requests: number; usd: number }> {
  let requests = 0;
  let usd = 0;
  for (const g of gateways) {
    const spend = (await (await fetch(`${g.url}/spend`)).json()) as {
      rows: { requests: number; cost_usd: number }[];
    };
    for (const row of spend.rows) {
      requests += row.requests;
      usd += row.cost_usd;
    }
  }
  return { requests, usd };
}

describe('one budget across three gateways through Redis', () => {
  const suite = fleetSuite('cooldown-budget-');
  let mock: MockUpstream;

  before(async () => {
    // Slow enough that every request is in flight before the first settles.
    mock = await startMockUpstream({ latencyMs: 300 });
  });
  after(async () => {
    await mock.close();
  });

  const startThree = (withRedis: boolean): Promise<Fleet> =>
    suite.startThree(
      {
        upstreams: { openai: { url: mock.url, keys: ['sk-upstream-budget-key-0000000000001'] } },
        routes: { models: [{ match: '*', upstream: 'openai' }] },
        pricing: { 'house-model': PRICE },
        budgets: [{ scope: 'global', period: 'daily', limit_usd: LIMIT_USD }],
        cache: { enabled: false },
      },
      withRedis,
    );

  test('48 at once over three processes: at most ten and one in flight per process get through', async () => {
    const { gateways, stop } = await startThree(true);
    try {
      await untilAllCounted(gateways);
      const outcomes = await dealt(gateways, 48, ask);
      const served = outcomes.filter((o) => o.status === 200).length;
      assert.ok(served >= 9 && served <= 10 + 3, `served ${served}`);
      const refused = outcomes.filter((o) => o.status !== 200);
      assert.deepEqual(
        refused,
        Array(48 - served).fill({ status: 429, code: 'budget_exceeded' }),
        'the rest are refused by the budget',
      );
      // Each process keeps its own ledger; together they hold what was served, within the budget.
      const spent = await spentAcross(gateways);
      assert.equal(spent.requests, served);
      assert.ok(spent.usd <= LIMIT_USD, `spent $${spent.usd}`);
      assert.ok(spent.usd > 0);
    } finally {
      await stop();
    }
  });

  test('without Redis the same requests overspend: each process holds the whole budget', async () => {
    const { gateways, stop } = await startThree(false);
    try {
      const outcomes = await dealt(gateways, 48, ask);
      const served = outcomes.filter((o) => o.status === 200).length;
      assert.ok(served > 13, `served ${served}: each process let about ten through`);
      assert.equal((await spentAcross(gateways)).requests, served);
    } finally {
      await stop();
    }
  });
});
