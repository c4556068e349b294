// Stream rescue: a Messages stream cut after bytes went out is continued on another key (or the
// fallback) with the partial answer as prefill, and the client's SDK sees one whole message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway } from '../support/gateway.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';
import { startScriptedUpstream } from '../support/scripted-upstream.ts';

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
  return { mock, client, close, url: gw.url };
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
    const { mock, client, close, url } = await setup(true);
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
      // The ledger pays for both attempts: the cut one's prompt as well as the continuation's.
      const ledger = (await (await fetch(`${url}/spend`)).json()) as {
        rows: { requests: number; input_tokens: number }[];
      };
      assert.equal(ledger.rows[0]!.requests, 1);
      assert.ok(ledger.rows[0]!.input_tokens > final.usage.input_tokens, JSON.stringify(ledger.rows));
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

  test('a model that refuses prefills gets the whole answer regenerated, and the client the whole message', async () => {
    const mock = await startMockUpstream({
      reply: REPLY,
      streamChunks: 8,
      prefill: { refuse: ['claude-haiku-4-5'] },
    });
    const gw = await startGateway({
      upstreams: { claude: { url: mock.url, dialect: 'anthropic', keys: KEYS } },
      routes: { models: [{ match: 'claude-*', upstream: 'claude', stream_rescue: true }] },
    });
    mock.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 6 }, times: 1 });
    try {
      const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client', maxRetries: 0 });
      const final = await ask(client).finalMessage();
      assert.equal((final.content[0] as Anthropic.TextBlock).text, REPLY);
      assert.deepEqual(
        mock.received.map((r) => r.status),
        [200, 400, 200],
        'cut, the prefill refused, then the whole answer again',
      );
      const last = mock.received[2]!.json as { messages: { role: string }[] };
      assert.deepEqual(
        last.messages.map((m) => m.role),
        ['user'],
        'asked without a prefill',
      );
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  test('a continuation refused for another reason ends the stream with an in-band error', async () => {
    const { mock, client, close } = await setup(true);
    mock.addFault({ fault: { kind: 'drop-mid-stream', afterChunks: 6 }, times: 1 });
    mock.addFault({
      fault: {
        kind: 'status',
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } },
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

  test('a cut in the middle of an event, in non-ASCII text: only whole events count, bytes intact', async () => {
    const ev = (type: string, body: Record<string, unknown>) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;
    const delta = (text: string) =>
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
    const opening =
      ev('message_start', {
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'm',
          content: [],
          usage: { input_tokens: 5, output_tokens: 1 },
        },
      }) + ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    const bodies: { messages: { role: string; content: string }[] }[] = [];
    const upstream = await startScriptedUpstream((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        bodies.push(JSON.parse(raw));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (bodies.length === 1) {
          res.write(opening + delta('Café ') + delta('你好'));
          // Half of the next event, then the connection drops.
          res.write(delta(' wor').slice(0, 60), () => res.socket?.destroy());
          return;
        }
        res.end(
          opening +
            delta(' world') +
            ev('content_block_stop', { index: 0 }) +
            ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }) +
            ev('message_stop', {}),
        );
      });
    });
    const gw = await startGateway({
      upstreams: { claude: { url: upstream.url, dialect: 'anthropic', keys: KEYS } },
      routes: { models: [{ match: 'claude-*', upstream: 'claude', stream_rescue: true }] },
    });
    try {
      const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client', maxRetries: 0 });
      const final = await ask(client).finalMessage();
      assert.equal((final.content[0] as Anthropic.TextBlock).text, 'Café 你好 world');
      assert.equal(bodies.length, 2);
      assert.deepEqual(bodies[1]!.messages.at(-1), { role: 'assistant', content: 'Café 你好' });
      assert.equal(final.usage.output_tokens, 2 + Math.ceil('Café 你好'.length / 4));
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
