// When a stream is whole: no false alarms. A stream that ends cleanly after its answer is complete
// without its end marker (the client gets the one it waits for); a complete event that is not JSON
// is dropped and the stream goes on; only an event cut off by the transport is a break.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { captureLog, mockConfig, startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const events = (text: string) => text.split('\n\n').filter((e) => e.trim() !== '');

describe('stream completeness', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const log = captureLog();

  before(async () => {
    mock = await startMockUpstream({ streamChunks: 4 });
    gw = await startGateway(mockConfig(mock.url), {}, { log });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'k', maxRetries: 0 });
  });
  afterEach(() => mock.clearFaults());
  after(async () => {
    await gw.close();
    await mock.close();
  });

  function post(path: string, body: object) {
    return fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
  }

  test('an OpenAI stream that ends cleanly without [DONE] arrives whole, usage included, [DONE] added', async () => {
    mock.addFault({ fault: { kind: 'no-terminator' }, times: 1 });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Hello from the mock upstream.');
    assert.ok((usage?.completion_tokens ?? 0) > 0, 'the usage chunk reached the client');
    assert.ok(!mock.received.at(-1)!.closedEarly);
    mock.addFault({ fault: { kind: 'no-terminator' }, times: 1 });
    const raw = await post('/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    }).then((res) => res.text());
    assert.equal(events(raw).at(-1), 'data: [DONE]', 'the client gets the [DONE] it waits for');
  });

  test('the same stream cut before its last finish_reason is a break, not a success', async () => {
    // Four content chunks, the finish chunk, then [DONE]: cut in the middle of the finish chunk.
    mock.addFault({ fault: { kind: 'truncated-event', afterChunks: 4 }, times: 1 });
    const res = await post('/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.ok(!text.includes('[DONE]'));
    assert.ok(!text.includes('"finish_reason":"s'), 'the half event never reached the client');
    const last = JSON.parse(events(text).at(-1)!.slice('data: '.length)) as { error: { code: string } };
    assert.equal(last.error.code, 'upstream_unavailable');
  });

  test('an Anthropic stream that ends after message_delta carries its stop_reason is whole', async () => {
    mock.addFault({ fault: { kind: 'no-terminator' }, times: 1 });
    const stream = anthropic.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const message = await stream.finalMessage();
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(
      message.content.map((b) => (b.type === 'text' ? b.text : '')),
      ['Hello from the mock upstream.'],
    );
    assert.ok(message.usage.output_tokens > 0);
  });

  async function openaiKey() {
    const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
      upstreams: { name: string; queues: { keys: { malformed_events: number; errors: number }[] }[] }[];
    };
    return stats.upstreams.find((u) => u.name === 'openai')!.queues[0]!.keys[0]!;
  }

  test('a complete event that is not JSON is dropped, counted and logged; the answer is whole', async () => {
    mock.addFault({ fault: { kind: 'malformed-chunk', afterChunks: 2 }, times: 1 });
    const before = mock.received.length;
    const keyBefore = await openaiKey();
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello from the mock upstream.');
    assert.equal(mock.received.length, before + 1, 'one upstream call: nothing to retry');
    const key = await openaiKey();
    assert.equal(key.malformed_events, keyBefore.malformed_events + 1);
    assert.equal(key.errors, keyBefore.errors, 'not a failure of the key');
    gw.gateway.log.flush();
    const warning = log.lines().find((l) => typeof l.msg === 'string' && l.msg.includes('malformed'));
    assert.equal(warning?.level, 40);
    assert.equal(warning?.dropped, 1);
  });

  test('a malformed first event is dropped too: the stream is not sent again', async () => {
    mock.addFault({ fault: { kind: 'malformed-chunk', afterChunks: 0 }, times: 1 });
    const before = mock.received.length;
    const res = await post('/v1/messages', {
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const text = await res.text();
    assert.ok(!text.includes('{not json') && !text.includes('event: error'));
    assert.equal(events(text).at(-1), 'event: message_stop\ndata: {"type":"message_stop"}');
    assert.equal(mock.received.length, before + 1);
  });
});
