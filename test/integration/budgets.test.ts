// Budgets that cannot be overshot: 50 concurrent requests (streams among them) against a budget that
// admits about 10, the ledger equal to what the mock's usage costs, periods rolling over in virtual
// time, unknown prices refused unless allowed, a virtual key's own budget, and /spend, /stats, /metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { PriceBook } from '../../src/spend/price-book.ts';
import { createManualClock } from '../../src/time/clock.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { parseMetrics, sampleSum } from '../support/prometheus.ts';

const PRICE = { input: 1000, output: 1000 }; // USD per million: $0.001 a token, so cents add up fast
const prices = new PriceBook({ 'house-model': PRICE });

function config(mock: MockUpstream, extra: Record<string, unknown>) {
  return {
    upstreams: { openai: { url: mock.url, keys: ['sk-upstream-budget-key-0000000000001'] } },
    routes: { models: [{ match: '*', upstream: 'openai' }] },
    pricing: { 'house-model': PRICE },
    ...extra,
  };
}

const ask = (max_tokens: number, model = 'house-model') => ({
  model,
  max_tokens,
  messages: [{ role: 'user' as const, content: 'what does this cost' }],
});

interface SpendAnswer {
  period_label: string;
  rows: { name?: string; requests: number; cost_usd: number; unpriced: number }[];
}
const spend = async (gw: TestGateway, query = '') =>
  (await (await fetch(`${gw.url}/spend${query}`)).json()) as SpendAnswer;

describe('a budget under concurrency', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  before(async () => {
    // Slow enough that all 50 are in flight before the first settles.
    mock = await startMockUpstream({ latencyMs: 300 });
    gw = await startGateway(
      config(mock, { budgets: [{ scope: 'global', period: 'daily', limit_usd: 1.2 }] }),
    );
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('50 at once against room for about 10: at most 10 and one more get through; the ledger is what they cost', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
    // Each reserves about $0.11 (its prompt plus a bound of 100 output tokens): ~10 fit under $1.20.
    const one = async (i: number): Promise<{ status: number; cost: number }> => {
      try {
        if (i % 3 === 0) {
          const stream = await client.chat.completions.create({
            ...ask(100),
            stream: true,
            stream_options: { include_usage: true },
          });
          let cost = 0;
          for await (const chunk of stream)
            if (chunk.usage)
              cost = prices.cost('house-model', {
                inputTokens: chunk.usage.prompt_tokens,
                outputTokens: chunk.usage.completion_tokens,
              })!.usd;
          return { status: 200, cost };
        }
        const answer = await client.chat.completions.create(ask(100));
        const usage = {
          inputTokens: answer.usage!.prompt_tokens,
          outputTokens: answer.usage!.completion_tokens,
        };
        return { status: 200, cost: prices.cost('house-model', usage)!.usd };
      } catch (err) {
        if (!(err instanceof OpenAI.APIError)) throw err;
        assert.equal(err.status, 429);
        assert.equal(err.code, 'budget_exceeded');
        assert.equal(err.headers?.get('x-should-retry'), 'false');
        assert.ok(Number(err.headers?.get('retry-after')) > 0);
        return { status: 429, cost: 0 };
      }
    };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => one(i)));
    const served = results.filter((r) => r.status === 200);
    assert.ok(served.length >= 9 && served.length <= 11, `served ${served.length}`);
    assert.equal(results.filter((r) => r.status === 429).length, 50 - served.length);
    const settled = served.reduce((sum, r) => sum + r.cost, 0);
    const [total] = (await spend(gw)).rows;
    assert.equal(total!.requests, served.length);
    assert.ok(Math.abs(total!.cost_usd - settled) < 1e-6, `ledger ${total!.cost_usd} vs mock ${settled}`);
    assert.ok(settled <= 1.2);
    const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
      spend: { budgets: { scope: string; spent_usd: number; limit_usd: number }[] };
    };
    const global = stats.spend.budgets.find((b) => b.scope === 'global')!;
    assert.equal(global.limit_usd, 1.2);
    assert.ok(Math.abs(global.spent_usd - settled) < 1e-5, 'settled: nothing left reserved');
    const metrics = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
    const spent = sampleSum(metrics.get('cooldown_budget_spent_usd'), { scope: 'global' });
    assert.ok(Math.abs(spent - settled) < 1e-5, `metric ${spent}`);
  });
});

describe('budget periods, prices and virtual keys', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream();
  });
  after(() => mock.close());

  test('an hourly budget refuses until its hour ends, then serves again (virtual time)', async () => {
    const clock = createManualClock(Date.UTC(2026, 11, 2, 10, 0, 0));
    const gw = await startGateway(
      config(mock, { budgets: [{ scope: 'model', name: 'house-model', period: 'hourly', limit_usd: 0.06 }] }),
      {},
      { clock },
    );
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
      let served = 0;
      let refusal: InstanceType<typeof OpenAI.APIError> | undefined;
      for (let i = 0; i < 20 && !refusal; i++) {
        try {
          await client.chat.completions.create(ask(10));
          served++;
        } catch (err) {
          if (err instanceof OpenAI.APIError) refusal = err;
          else throw err;
        }
      }
      assert.ok(served >= 1, 'the budget served some first');
      assert.equal(refusal?.status, 429);
      assert.equal(refusal?.code, 'budget_exceeded');
      assert.equal(refusal?.headers?.get('retry-after'), '3600', 'until the hour ends');
      assert.match(refusal!.message, /model house-model hourly/);
      clock.advance(3_600_000);
      await client.chat.completions.create(ask(10));
      const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
        spend: { budgets: { name: string; period_label: string }[] };
      };
      assert.deepEqual(
        stats.spend.budgets.map((b) => [b.name, b.period_label]),
        [['house-model', '2026-12-02T11']],
      );
      const hours = await Promise.all(
        ['2026-12-02T10:30:00Z', '2026-12-02T11:30:00Z'].map((at) => spend(gw, `?period=hourly&at=${at}`)),
      );
      assert.deepEqual(
        hours.map((h) => h.rows[0]!.requests),
        [served, 1],
      );
    } finally {
      await gw.close();
    }
  });

  test('a model with no price is refused under a budget, unless the budget allows unknown prices', async () => {
    const strict = await startGateway(config(mock, { budgets: [{ limit_usd: 10 }] }));
    try {
      const res = await fetch(`${strict.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ask(10, 'mystery-model-13b')),
      });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('x-should-retry'), 'false');
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'budget_exceeded');
      assert.match(body.error.message, /mystery-model-13b.*pricing/);
    } finally {
      await strict.close();
    }
    const lenient = await startGateway(config(mock, { budgets: [{ limit_usd: 10, allow_unknown: true }] }));
    try {
      const res = await fetch(`${lenient.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ask(10, 'mystery-model-13b')),
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const [total] = (await spend(lenient, '?scope=model')).rows;
      assert.deepEqual(
        [total!.name, total!.requests, total!.unpriced, total!.cost_usd],
        ['mystery-model-13b', 1, 1, 0],
      );
    } finally {
      await lenient.close();
    }
  });

  test("a virtual key's budget is its own: one key spent, the other still served", async () => {
    const gw = await startGateway(
      config(mock, {
        clients: {
          keys: [
            { name: 'carol', key: 'ck-carol-key-000000000000000000000000', budget: 0.03 },
            { name: 'dave', key: 'ck-dave-key-0000000000000000000000000' },
          ],
        },
      }),
    );
    try {
      const carol = new OpenAI({
        baseURL: `${gw.url}/v1`,
        apiKey: 'ck-carol-key-000000000000000000000000',
        maxRetries: 0,
      });
      const dave = new OpenAI({
        baseURL: `${gw.url}/v1`,
        apiKey: 'ck-dave-key-0000000000000000000000000',
        maxRetries: 0,
      });
      let refused = false;
      for (let i = 0; i < 20 && !refused; i++) {
        await carol.chat.completions.create(ask(10)).catch((err: unknown) => {
          assert.ok(err instanceof OpenAI.APIError && err.code === 'budget_exceeded');
          refused = true;
        });
      }
      assert.ok(refused, "carol's daily budget ran out");
      await dave.chat.completions.create(ask(10));
      const rows = (await spend(gw, '?scope=client')).rows;
      assert.deepEqual(rows.map((r) => r.name).sort(), ['vk:carol', 'vk:dave']);
      const carolRow = rows.find((r) => r.name === 'vk:carol')!;
      assert.ok(carolRow.cost_usd <= 0.03);
    } finally {
      await gw.close();
    }
  });

  test('a whole answer too big to hold (over 8 MB) is streamed and still charged from its usage', async () => {
    const gw = await startGateway(config(mock, { pricing: { 'house-embed': { input: 1000, output: 0 } } }));
    try {
      const res = await fetch(`${gw.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'house-embed',
          dimensions: 8192,
          input: Array.from({ length: 60 }, (_, i) => `text number ${i}`),
        }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: unknown[]; usage: { prompt_tokens: number } };
      assert.equal(body.data.length, 60);
      const [total] = (await spend(gw)).rows;
      assert.equal(total!.requests, 1);
      assert.ok(Math.abs(total!.cost_usd - body.usage.prompt_tokens * 0.001) < 1e-9, `${total!.cost_usd}`);
    } finally {
      await gw.close();
    }
  });

  test('a spent budget refuses calls it cannot price too (audio, files)', async () => {
    // Spend on a state file, then come back with a budget lower than what was spent.
    const dir = mkdtempSync(join(tmpdir(), 'cooldown-spent-'));
    const store = { sqlite: join(dir, 'state.db') };
    try {
      const first = await startGateway(config(mock, { store, budgets: [{ limit_usd: 100 }] }));
      await new OpenAI({
        baseURL: `${first.url}/v1`,
        apiKey: 'sk-client',
        maxRetries: 0,
      }).chat.completions.create(ask(10));
      await first.close();
      const gw = await startGateway(config(mock, { store, budgets: [{ limit_usd: 0.000001 }] }));
      try {
        const res = await fetch(`${gw.url}/v1/audio/speech`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'tts-1', input: 'hello', voice: 'alloy' }),
        });
        assert.equal(res.status, 429);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'budget_exceeded');
      } finally {
        await gw.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('/spend refuses a scope or period it does not know, in the API error shape', async () => {
    const gw = await startGateway(config(mock, {}));
    try {
      const res = await fetch(`${gw.url}/spend?scope=planet`);
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: { code: string; param: string } };
      assert.equal(body.error.code, 'invalid_request');
      assert.equal(body.error.param, 'scope');
      const far = await fetch(`${gw.url}/spend?at=%2B275760-09-13T00:00:00Z`);
      assert.equal(far.status, 400, 'an instant the calendar cannot place');
      await far.arrayBuffer();
    } finally {
      await gw.close();
    }
  });
});
