// The official Anthropic SDK (as Claude Code uses it via ANTHROPIC_BASE_URL) through the gateway.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { mockConfig, startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const UPSTREAM_KEY = 'sk-ant-upstream-key-0001';
const CLIENT_KEY = 'sk-ant-client-secret-must-not-leak';

describe('Anthropic SDK through the gateway', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let client: Anthropic;

  before(async () => {
    mock = await startMockUpstream({ keys: [UPSTREAM_KEY, 'sk-upstream-openai-key-0001'] });
    gw = await startGateway(mockConfig(mock.url));
    client = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  function lastReceived() {
    const r = mock.received.at(-1);
    assert.ok(r, 'the mock received a request');
    return r;
  }

  test('messages: the upstream key goes in x-api-key, anthropic-version passes through', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(message.content[0]?.type, 'text');
    assert.equal((message.content[0] as Anthropic.TextBlock).text, 'Hello from the mock upstream.');
    assert.ok(message.usage.input_tokens > 0);
    const r = lastReceived();
    assert.equal(r.path, '/v1/messages');
    assert.equal(r.headers['x-api-key'], UPSTREAM_KEY);
    assert.equal(r.headers.authorization, undefined);
    assert.ok(typeof r.headers['anthropic-version'] === 'string');
    assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY));
  });

  test('anthropic-beta passes through', async () => {
    await client.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    );
    assert.equal(lastReceived().headers['anthropic-beta'], 'prompt-caching-2024-07-31');
  });

  test('messages stream', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hello' }],
    });
    let deltas = 0;
    stream.on('text', () => deltas++);
    const final = await stream.finalMessage();
    assert.equal((final.content[0] as Anthropic.TextBlock).text, 'Hello from the mock upstream.');
    assert.ok(deltas >= 5, `got ${deltas} text deltas`);
    assert.ok(final.usage.output_tokens > 0);
  });

  test('count_tokens', async () => {
    const count = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    assert.ok(count.input_tokens > 0);
    assert.equal(lastReceived().path, '/v1/messages/count_tokens');
  });

  test('models list from an Anthropic client: the union, in Anthropic shape', async () => {
    const page = await client.models.list();
    const haiku = page.data.find((m) => m.id === 'claude-haiku-4-5');
    assert.equal(haiku?.display_name, 'Claude Haiku 4.5');
    assert.ok(page.data.some((m) => m.id === 'gpt-4o-mini'));
    const asked = mock.received.filter((r) => r.route === 'models' && r.headers['anthropic-version']);
    assert.equal(asked.at(-1)?.headers['x-api-key'], UPSTREAM_KEY);
  });

  test('gateway errors come in Anthropic shape on /v1/messages', async () => {
    await assert.rejects(
      client.messages.create({
        model: 'unrouted-model',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.NotFoundError);
        const body = err.error as { type: string; error: { type: string; code: string } };
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, 'not_found_error');
        assert.equal(body.error.code, 'route_not_found');
        return true;
      },
    );
  });
});
