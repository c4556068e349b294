// Stream rescue: a Messages stream cut after bytes went out is continued on another key (or the
// fallback) with the partial answer as prefill, and the client's SDK sees one whole message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway } from '../support/gateway.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';

const KEYS = ['sk-ant-rescue-key-cccccccccccccccccccc1', 'sk-ant-rescue-key-cccccccccccccccccccc2'];
const REPLY = 'The lighthouse keeper counted ships until the fog lifted at dawn.';

async function setup(rescue: boolean, upstream: Record<string, unknown> = {}) {
  const mock = await startMockUpstream({ reply: REPLY, streamChunks: 8 });
  const gw = await startGateway({
    upstreams: {
      claude: { url: mock.url, dialect: 'anthropic', keys: KEYS, balance: 'round_robin', ...upstream },
    },
    routes: { models: [{ match: 'claude-*', upstream: 'claude', stream_rescue: rescue }] },
  });
  const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client', maxRetries: 0 });
  const close = async () => {
    await gw.close();
    await mock.close();
  };
  return { mock, client, close };
}

function ask(client: Anthropic) {
  return client.messages.stream({
    model: 'claude-haiku-4-5',
    max_tokens: 200,
    messages: [{ role: 'user', content: 'Tell me a very short story.' }],
  });
}

describe('stream rescue', () => {
  test('a stream cut midway is continued on the other key: the client gets the whole answer', async () => {
    const { mock, client, close } = await setup(true);
    // message_start, content_block_start, ping, then three text deltas; then the connection drops.
    mock.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 6 }, times: 1 });
    try {
      const final = await ask(client).finalMessage();
      assert.equal((final.content[0] as Anthropic.TextBlock).text, REPLY);
      assert.equal(final.content.length, 1);
      assert.equal(final.stop_reason, 'end_turn');
      assert.equal(mock.received.length, 2);
      const [first, second] = mock.received;
      assert.notEqual(first!.key, second!.key, 'continued on the other key');
      const messages = (second!.json as { messages: { role: string; content: string }[] }).messages;
      assert.equal(messages.length, 2);
      assert.equal(messages[1]!.role, 'assistant');
      assert.ok(REPLY.startsWith(messages[1]!.content) && messages[1]!.content.length > 0);
      assert.ok(!/\s$/.test(messages[1]!.content), 'no trailing whitespace in the prefill');
      // Usage covers both parts: the continuation's output plus the partial one.
      assert.ok(final.usage.output_tokens > Math.ceil((REPLY.length - messages[1]!.content.length) / 4));
    } finally {
      await close();
    }
  });

  test('without rescue the same cut ends with an in-band error', async () => {
    const { mock, client, close } = await setup(false);
    mock.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 6 }, times: 1 });
    try {
      await assert.rejects(ask(client).finalMessage(), /upstream_unavailable|broke off/);
      assert.equal(mock.received.length, 1);
    } finally {
      await close();
    }
  });

  test('a continuation the upstream refuses ends the stream with an in-band error', async () => {
    const { mock, client, close } = await setup(true);
    mock.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 6 }, times: 1 });
    mock.addFault({
      fault: {
        kind: 'status',
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: 'prefill not supported' } },
      },
      times: 1,
    });
    try {
      await assert.rejects(ask(client).finalMessage(), /could not continue the stream/);
      assert.equal(mock.received.length, 2);
    } finally {
      await close();
    }
  });

  test('a stream that stalls past idle_timeout is continued too', async () => {
    const { mock, client, close } = await setup(true, { idle_timeout: '200ms' });
    mock.addFault({ fault: { kind: 'stall-mid-stream', afterChunks: 5 }, times: 1 });
    try {
      const final = await ask(client).finalMessage();
      assert.equal((final.content[0] as Anthropic.TextBlock).text, REPLY);
      assert.equal(mock.received.length, 2);
    } finally {
      await close();
    }
  });
});
