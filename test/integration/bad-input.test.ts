// Bad input gets a clear error in the client's API shape with a stable code, and the gateway keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mockConfig, startGateway, type TestGateway } from '../support/gateway.ts';
import { json, send } from '../support/http.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

interface OpenAIError {
  error: { message: string; type: string; param: string | null; code: string };
}
interface AnthropicError {
  type: string;
  error: { type: string; message: string; code: string };
}

describe('bad input', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    send(gw.url, { method: 'POST', path, body, headers: { 'content-type': 'application/json', ...headers } });

  before(async () => {
    mock = await startMockUpstream();
    gw = await startGateway(mockConfig(mock.url, { server: { max_body: '64kb' } }));
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('malformed JSON: 400 invalid_json', async () => {
    const res = await post('/v1/chat/completions', '{"model": "gpt-4o",');
    assert.equal(res.status, 400);
    const body = json(res.body) as unknown as OpenAIError;
    assert.equal(body.error.code, 'invalid_json');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(res.headers['x-should-retry'], 'false');
  });

  test('a body that is not a JSON object: 400 invalid_request', async () => {
    for (const body of ['[1,2]', '"text"', 'null', '42']) {
      const res = await post('/v1/chat/completions', body);
      assert.equal(res.status, 400, body);
      assert.equal((json(res.body) as unknown as OpenAIError).error.code, 'invalid_request');
    }
  });

  test('a missing or non-string model: 400 naming the param', async () => {
    for (const body of ['{"messages":[]}', '{"model":42}', '{"model":""}']) {
      const res = await post('/v1/chat/completions', body);
      assert.equal(res.status, 400, body);
      const err = (json(res.body) as unknown as OpenAIError).error;
      assert.equal(err.code, 'invalid_request');
      assert.equal(err.param, 'model');
    }
  });

  test('an absurdly long model name: 400 invalid_request, never routed or kept', async () => {
    const model = 'm'.repeat(50_000);
    const res = await post('/v1/chat/completions', JSON.stringify({ model, messages: [] }));
    assert.equal(res.status, 400);
    const err = (json(res.body) as unknown as OpenAIError).error;
    assert.equal(err.code, 'invalid_request');
    assert.equal(err.param, 'model');
    assert.ok(res.body.length < 1000, 'the answer does not echo the name');
    const ok = await post('/v1/chat/completions', JSON.stringify({ model: 'x'.repeat(256), messages: [] }));
    assert.notEqual(ok.status, 400, 'a 256-character name is still a name');
  });

  test('JSON nested too deeply to be sent on: 400 invalid_json, not 500', async () => {
    const deep = `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":${'['.repeat(20_000)}${']'.repeat(20_000)}}]}`;
    const res = await post('/v1/chat/completions', deep);
    assert.equal(res.status, 400);
    assert.equal((json(res.body) as unknown as OpenAIError).error.code, 'invalid_json');
  });

  test('a body naming its model (or stream flag) twice is refused: the upstream might read the other one', async () => {
    const before = mock.received.length;
    for (const body of [
      '{"model":"gpt-4o-mini","messages":[],"model":"gpt-4o"}',
      '{"model":"gpt-4o","stream":false,"messages":[],"stream":true}',
    ]) {
      const res = await post('/v1/chat/completions', body);
      assert.equal(res.status, 400, body);
      assert.equal((json(res.body) as unknown as OpenAIError).error.code, 'invalid_request');
    }
    const quoted = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'say "model"' }],
      x: { model: 1 },
    });
    assert.notEqual(
      (await post('/v1/chat/completions', quoted)).status,
      400,
      'nested and quoted ones are not keys of the body',
    );
    assert.equal(mock.received.length, before + 1);
  });

  test('paths with dot segments are refused, never forwarded', async () => {
    const before = mock.received.length;
    for (const path of ['/v1/../../admin', '/v1/./models', '/v1/%2e%2e/%2E%2e/secret', '/v1/models/..']) {
      const res = await send(gw.url, { path });
      assert.equal(res.status, 400, path);
    }
    assert.equal(mock.received.length, before);
    assert.equal(
      (await send(gw.url, { path: '/v1/models/a..b' })).status,
      200,
      'dots inside a segment are fine',
    );
  });

  test('Anthropic paths get Anthropic-shaped errors', async () => {
    const res = await post('/v1/messages', '{not json');
    assert.equal(res.status, 400);
    const body = json(res.body) as unknown as AnthropicError;
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_json');
  });

  test('a body over max_body: 413 payload_too_large, by Content-Length or while reading', async () => {
    const big = Buffer.alloc(65 * 1024, 'a');
    const declared = await post('/v1/chat/completions', big);
    assert.equal(declared.status, 413);
    assert.equal((json(declared.body) as unknown as OpenAIError).error.code, 'payload_too_large');
    const chunked = await post('/v1/chat/completions', big, { 'transfer-encoding': 'chunked' });
    assert.equal(chunked.status, 413);
    const anthropic = await post('/v1/messages', big);
    assert.equal((json(anthropic.body) as unknown as AnthropicError).error.code, 'payload_too_large');
  });

  test('a path outside /v1 on the gateway host: 404 route_not_found', async () => {
    const res = await send(gw.url, { path: '/chat/completions', method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.equal((json(res.body) as unknown as OpenAIError).error.code, 'route_not_found');
  });

  test('an unknown x-cooldown-upstream: 404, without listing the upstreams there are', async () => {
    const res = await post('/v1/chat/completions', '{"model":"gpt-4o"}', { 'x-cooldown-upstream': 'nope' });
    assert.equal(res.status, 404);
    const { message } = (json(res.body) as unknown as OpenAIError).error;
    assert.match(message, /Unknown upstream "nope"/);
    assert.ok(!message.includes('openai') && !message.includes('anthropic'), message);
  });

  test('x-cooldown-upstream picks the upstream and is not forwarded', async () => {
    const res = await post(
      '/v1/chat/completions',
      '{"model":"whatever-model","messages":[{"role":"user","content":"x"}]}',
      {
        'x-cooldown-upstream': 'openai',
      },
    );
    assert.equal(res.status, 200);
    assert.equal(mock.received.at(-1)!.headers['x-cooldown-upstream'], undefined);
  });

  test('after all that, the gateway still serves', async () => {
    const res = await post(
      '/v1/chat/completions',
      '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
    );
    assert.equal(res.status, 200);
    const health = await send(gw.url, { path: '/health' });
    assert.equal(json(health.body).status, 'ok');
  });
});

describe('upstream failures before any byte reached the client', () => {
  test('an upstream that is down: 502 upstream_unavailable with Retry-After', async () => {
    const gw = await startGateway(mockConfig('http://127.0.0.1:9'));
    try {
      const res = await send(gw.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body: '{"model":"gpt-4o"}',
      });
      assert.equal(res.status, 502);
      assert.equal((json(res.body) as unknown as OpenAIError).error.code, 'upstream_unavailable');
      assert.ok(Number(res.headers['retry-after']) >= 1);
    } finally {
      await gw.close();
    }
  });

  test('an upstream that never answers: 504 upstream_timeout after its timeout', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway(
      mockConfig(mock.url, {
        upstreams: { openai: { url: mock.url, timeout: '300ms' } },
      }),
    );
    try {
      const res = await send(gw.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', 'x-mock-fault': 'hang' },
        body: '{"model":"gpt-4o"}',
      });
      assert.equal(res.status, 504);
      assert.equal((json(res.body) as unknown as OpenAIError).error.code, 'upstream_timeout');
      await mock.waitForClose(mock.received.at(-1)!.id);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a connection reset: 502 upstream_unavailable', async () => {
    const mock = await startMockUpstream();
    const gw = await startGateway(mockConfig(mock.url));
    try {
      const res = await send(gw.url, {
        method: 'POST',
        path: '/v1/messages',
        headers: {
          'content-type': 'application/json',
          'x-mock-fault': 'reset',
          'anthropic-version': '2023-06-01',
        },
        body: '{"model":"claude-x","max_tokens":5,"messages":[]}',
      });
      assert.equal(res.status, 502);
      assert.equal((json(res.body) as unknown as AnthropicError).error.type, 'api_error');
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
