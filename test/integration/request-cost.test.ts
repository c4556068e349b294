// What each request cost, from its real usage: X-Cooldown-Cost-USD on whole answers, the request
// log for every answer (streams included), /stats and /metrics; an unpriced model is unknown, not 0.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { PriceBook } from '../../src/spend/price-book.ts';
import { captureLog, startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { parseMetrics, sampleSum } from '../support/prometheus.ts';

describe('request cost', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  const log = captureLog();
  const prices = new PriceBook({ 'house-model': { input: 1, output: 2 } });

  before(async () => {
    mock = await startMockUpstream();
    gw = await startGateway(
      {
        upstreams: { openai: { url: mock.url, keys: ['sk-cost-upstream-key-aaaaaaaaaaaaaaaa01'] } },
        routes: { models: [{ match: '*', upstream: 'openai' }] },
        pricing: { 'house-model': { input: 1, output: 2 } },
      },
      {},
      { log },
    );
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  const client = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'price me' }] });

  test('a whole answer says what it cost, priced from the dataset or the config', async () => {
    for (const model of ['gpt-4o-mini', 'house-model']) {
      const { data, response } = await client().chat.completions.create(ask(model)).withResponse();
      const usage = { inputTokens: data.usage!.prompt_tokens, outputTokens: data.usage!.completion_tokens };
      const expected = prices.cost(model, usage, 'openai')!.usd;
      assert.ok(expected > 0);
      assert.equal(response.headers.get('x-cooldown-cost-usd'), expected.toFixed(8), model);
    }
  });

  test('a stream is priced at its end, in the log; an unpriced model is unknown, never zero', async () => {
    const stream = await client().chat.completions.create({ ...ask('gpt-4o-mini'), stream: true });
    for await (const _ of stream);
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask('unheard-of-model-7b')),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-cooldown-cost-usd'), null);
    await res.text();
    const lines = log.lines().filter((l) => l.msg === 'request');
    const streamed = lines.find((l) => l.model === 'gpt-4o-mini' && typeof l.cost_usd === 'number' && l.out);
    assert.ok(streamed, 'the stream has its cost in the log');
    const unknown = lines.find((l) => l.model === 'unheard-of-model-7b')!;
    assert.equal(unknown.cost_usd, null);
    assert.equal(log.lines().filter((l) => l.model === 'unheard-of-model-7b' && l.level === 40).length, 1);
  });

  test('/stats and /metrics add the costs up, and count the unpriced', async () => {
    const logged = log
      .lines()
      .filter((l) => l.msg === 'request' && typeof l.cost_usd === 'number')
      .reduce((sum, l) => sum + (l.cost_usd as number), 0);
    const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
      totals: { cost_usd: number; unpriced: number };
    };
    assert.ok(Math.abs(stats.totals.cost_usd - logged) < 1e-7);
    assert.equal(stats.totals.unpriced, 1);
    const families = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
    assert.ok(Math.abs(sampleSum(families.get('cooldown_cost_usd_total')) - logged) < 1e-7);
    assert.equal(sampleSum(families.get('cooldown_unpriced_requests_total')), 1);
  });
});
