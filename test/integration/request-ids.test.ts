// What real clients need around each call: the upstream's own request ids unchanged (users quote
// them to their provider), the gateway's id on every answer, `HEAD /` answered, and a request log
// that names the model asked for and the model sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { captureLog, startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../support/scripted-upstream.ts';

const CHAT = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });

describe('request ids, probes and the request log', () => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  const log = captureLog();

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        const anthropic = req.url?.startsWith('/v1/messages');
        const body = anthropic
          ? '{"id":"msg_1","type":"message","role":"assistant","content":[],"usage":{"input_tokens":1,"output_tokens":1}}'
          : '{"id":"chatcmpl-1","object":"chat.completion","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}';
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(anthropic
            ? { 'request-id': 'req_011CUpstreamAnthropic' }
            : { 'x-request-id': 'req_upstream_openai_1' }),
        });
        res.end(body);
      });
    });
    gw = await startGateway(
      {
        upstreams: {
          openai: { url: upstream.url, keys: ['sk-request-ids-test-key-0000000001'] },
          anthropic: { url: upstream.url, dialect: 'anthropic', keys: ['sk-ant-request-ids-test-000001'] },
        },
        routes: { models: [{ match: 'fast', upstream: 'openai', model: 'gpt-4o-mini' }] },
      },
      {},
      { log },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  test("an OpenAI upstream's x-request-id reaches the client unchanged; the gateway's id has its own header", async () => {
    const res = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      body: CHAT,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-request-id'], 'req_upstream_openai_1');
    assert.match(String(res.headers['x-cooldown-request-id']), /^req_[0-9a-f]{8}/);
    assert.equal(res.headers['x-upstream-request-id'], undefined);
  });

  test("an Anthropic upstream's request-id passes unchanged, and no x-request-id is made up", async () => {
    const res = await send(gw.url, {
      method: 'POST',
      path: '/v1/messages',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['request-id'], 'req_011CUpstreamAnthropic');
    assert.equal(res.headers['x-request-id'], undefined);
    assert.ok(res.headers['x-cooldown-request-id']);
  });

  test('an answer the gateway writes itself carries its id in both headers', async () => {
    const res = await send(gw.url, { method: 'GET', path: '/nowhere' });
    assert.equal(res.status, 404);
    assert.ok(res.headers['x-cooldown-request-id']);
    assert.equal(res.headers['x-request-id'], res.headers['x-cooldown-request-id']);
    const health = await send(gw.url, { path: '/health' });
    assert.equal(health.headers['x-request-id'], health.headers['x-cooldown-request-id']);
  });

  test('HEAD / and GET / answer 200 (clients probe the base URL before they start)', async () => {
    const head = await send(gw.url, { method: 'HEAD', path: '/' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    const get = await send(gw.url, { path: '/' });
    assert.equal(get.status, 200);
    assert.equal((JSON.parse(get.body) as { name: string }).name, 'cooldown');
  });

  test('the request log names the model the client asked for and the model sent', async () => {
    const res = await send(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      body: CHAT,
    });
    const id = res.headers['x-cooldown-request-id'];
    gw.gateway.log.flush();
    const line = log.lines().find((l) => l.msg === 'request' && l.id === id);
    assert.ok(line, 'a request line for it');
    assert.equal(line.model, 'fast');
    assert.equal(line.model_sent, 'gpt-4o-mini');
    assert.equal(line.status, 200);
  });

  test('client-supplied strings are clipped in the request log', async () => {
    const path = `/v1/${'p'.repeat(5000)}`;
    const res = await send(gw.url, { path });
    const id = res.headers['x-cooldown-request-id'];
    gw.gateway.log.flush();
    const line = log.lines().find((l) => l.msg === 'request' && l.id === id);
    assert.ok(line);
    assert.ok((line.path as string).length <= 515, `logged ${(line.path as string).length} characters`);
  });
});
