// GET /v1/models through the gateway lists what a client can use through it: one upstream's own
// list as it is, or the union of several upstreams' lists (each asked once, kept briefly) under
// the names that reach them, in the shape of the client's SDK.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const GROQ_KEY = 'gsk_upstream-groq-key-for-model-lists-0001';
const CLIENT_KEY = 'sk-client-key-that-stays-with-the-gateway';

const modelLists = (mock: MockUpstream) => mock.received.filter((r) => r.route === 'models');

describe('one upstream behind a catch-all route', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream({ dialect: 'groq' });
    gw = await startGateway({
      upstreams: { local: { url: `${mock.url}/openai/v1`, dialect: 'groq', keys: [GROQ_KEY] } },
      routes: { models: [{ match: '*', upstream: 'local' }] },
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('model-less calls go to the catch-all upstream: its own list comes back, unchanged', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
    const { data, response } = await client.models.list().withResponse();
    assert.equal(response.headers.get('x-cooldown-upstream'), 'local');
    assert.deepEqual(
      data.data.map((m) => m.id),
      ['llama-3.1-8b-instant', 'llama-3.3-70b-versatile'],
    );
    assert.equal(data.data[0]?.owned_by, 'Meta', "the upstream's own objects");
    const asked = modelLists(mock).at(-1);
    assert.equal(asked?.path, '/openai/v1/models');
    assert.equal(asked?.key, GROQ_KEY);
  });

  test('an Anthropic client gets the same upstream, not the Anthropic preset', async () => {
    const before = modelLists(mock).length;
    const res = await send(gw.url, {
      path: '/v1/models',
      headers: { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-cooldown-upstream'], 'local');
    assert.equal(modelLists(mock).length, before + 1, 'passed through each time, nothing kept');
  });
});
