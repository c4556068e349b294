// The official OpenAI SDK, pointed at the gateway, gets the mock's answers with the upstream key swapped in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { mockConfig, startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const UPSTREAM_KEY = 'sk-upstream-openai-key-0001';
const CLIENT_KEY = 'sk-client-secret-that-must-not-leak';

describe('OpenAI SDK through the gateway', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    // The mock refuses every key but the upstream's, so a leaked client key would fail the call.
    mock = await startMockUpstream({ keys: [UPSTREAM_KEY, 'sk-ant-upstream-key-0001'] });
    gw = await startGateway(mockConfig(mock.url));
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
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

  function assertNoClientKey() {
    const r = lastReceived();
    assert.equal(r.key, UPSTREAM_KEY);
    assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY), 'the client key never reaches the upstream');
  }

  test('chat completion', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(data.choices[0]?.message.content, 'Hello from the mock upstream.');
    assert.equal(data.model, 'gpt-4o-mini');
    assert.ok((data.usage?.prompt_tokens ?? 0) > 0);
    assert.equal(response.headers.get('x-proxy'), 'cooldown');
    assert.equal(response.headers.get('x-cooldown-upstream'), 'openai');
    assert.match(response.headers.get('x-request-id') ?? '', /^req_/, "the upstream's own id");
    assert.match(response.headers.get('x-cooldown-request-id') ?? '', /^req_/);
    assert.notEqual(response.headers.get('x-request-id'), response.headers.get('x-cooldown-request-id'));
    assert.ok(
      response.headers.get('x-ratelimit-limit-requests'),
      "the upstream's rate-limit headers pass through",
    );
    assert.equal(lastReceived().path, '/v1/chat/completions');
    assertNoClientKey();
  });

  test('chat completion stream arrives in chunks and completes', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Hello from the mock upstream.');
    assert.ok(chunks >= 5, `got ${chunks} chunks`);
    assert.ok(usage && usage.completion_tokens > 0, 'the usage chunk the client asked for arrives');
    assertNoClientKey();
  });

  test('embeddings', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    assert.equal(result.data.length, 2);
    assert.ok(result.data[0]!.embedding.length > 0);
    assertNoClientKey();
  });

  test('models list: the union of both upstreams, each asked with its own key', async () => {
    const page = await client.models.list();
    const ids = page.data.map((m) => m.id);
    assert.ok(ids.includes('gpt-4o-mini') && ids.includes('claude-haiku-4-5'), ids.join());
    const asked = mock.received.filter((r) => r.route === 'models');
    assert.deepEqual(asked.map((r) => r.key).sort(), [UPSTREAM_KEY, 'sk-ant-upstream-key-0001'].sort());
    assert.ok(!JSON.stringify(asked.map((r) => r.headers)).includes(CLIENT_KEY));
  });

  test('responses API', async () => {
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' });
    assert.equal(response.output_text, 'Hello from the mock upstream.');
    assert.equal(lastReceived().path, '/v1/responses');
  });

  test('a model with no route is a 404 route_not_found in OpenAI shape', async () => {
    const before = mock.received.length;
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.NotFoundError);
        assert.equal(err.code, 'route_not_found');
        assert.equal(err.type, 'invalid_request_error');
        assert.equal(err.param, 'model');
        return true;
      },
    );
    assert.equal(mock.received.length, before, 'nothing was forwarded');
  });

  test('upstream errors pass through unchanged', async () => {
    mock.addFault({
      fault: {
        kind: 'status',
        status: 400,
        body: {
          error: {
            message: 'context too long',
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        },
      },
      times: 1,
    });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError);
        assert.equal(err.code, 'context_length_exceeded');
        assert.equal(err.message, '400 context too long');
        return true;
      },
    );
  });

  test('an upstream prefix in the model picks that upstream and is stripped', async () => {
    const result = await client.chat.completions.create({
      model: 'openai/my-finetune',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(result.model, 'my-finetune');
    assert.equal((lastReceived().json as { model: string }).model, 'my-finetune');
  });
});
