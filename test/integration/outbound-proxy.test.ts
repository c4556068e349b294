// Upstream calls go through the configured outbound proxy (`outbound_proxy` / PROXY_URL).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startConnectProxy } from '../support/connect-proxy.ts';
import { mockConfig, startGateway } from '../support/gateway.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';

test('requests reach the upstream through the outbound proxy', async () => {
  const mock = await startMockUpstream();
  const proxy = await startConnectProxy();
  const gw = await startGateway(mockConfig(mock.url), { PROXY_URL: proxy.url });
  try {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const result = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(result.choices[0]?.message.content, 'Hello from the mock upstream.');
    assert.deepEqual(proxy.targets, [new URL(mock.url).host]);
    assert.equal(mock.received.length, 1);
  } finally {
    await gw.close();
    await proxy.close();
    await mock.close();
  }
});
