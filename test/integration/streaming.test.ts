// Streams pass chunk by chunk (never buffered), a client abort reaches the upstream, and a broken
// stream ends with an in-band error instead of looking complete.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { mockConfig, startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

/** Reads a fetch body until `predicate(textSoFar)` holds; returns the text. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  predicate: (text: string) => boolean,
  sofar = '',
): Promise<string> {
  const decoder = new TextDecoder();
  let text = sofar;
  while (!predicate(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

const events = (text: string) => text.split('\n\n').filter((e) => e.trim() !== '');

describe('streaming', () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  before(async () => {
    mock = await startMockUpstream({ streamChunks: 4 });
    gw = await startGateway(mockConfig(mock.url));
  });
  afterEach(() => {
    mock.setStepMode(false);
    mock.release(100);
    mock.clearFaults();
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  function startStream(body: object, headers: Record<string, string> = {}, signal?: AbortSignal) {
    return fetch(`${gw.url}${'max_tokens' in body ? '/v1/messages' : '/v1/chat/completions'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
      body: JSON.stringify({ ...body, stream: true }),
      ...(signal ? { signal } : {}),
    });
  }

  test('each chunk reaches the client before the upstream sends the next', async () => {
    mock.setStepMode(true);
    const received = mock.received.length;
    const res = await startStream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    await mock.waitForRequests(received + 1);
    const id = mock.received.at(-1)!.id;
    const reader = res.body!.getReader();
    let text = '';
    for (let n = 1; n <= 4; n++) {
      text = await readUntil(reader, (t) => events(t).length >= n, text);
      // The client holds chunk n while the upstream has sent exactly n: nothing waits for the rest.
      assert.equal(mock.chunksSent(id), n, `chunk ${n} arrived alone`);
      mock.release(1);
    }
    mock.setStepMode(false);
    mock.release(100);
    text = await readUntil(reader, (t) => t.includes('[DONE]'), text);
    assert.ok(text.endsWith('data: [DONE]\n\n'));
  });

  test('a client abort closes the upstream connection', async () => {
    mock.setStepMode(true);
    const received = mock.received.length;
    const controller = new AbortController();
    const res = await startStream(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      {},
      controller.signal,
    );
    await mock.waitForRequests(received + 1);
    const id = mock.received.at(-1)!.id;
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => events(t).length >= 1);
    controller.abort();
    await mock.waitForClose(id);
    assert.equal(mock.received.find((r) => r.id === id)?.closedEarly, true);
    assert.equal(mock.chunksSent(id), 1, 'the upstream stopped at the first chunk');
  });

  test('a client abort while the upstream has not answered yet closes the upstream request too', async () => {
    const received = mock.received.length;
    const controller = new AbortController();
    const pending = startStream({ model: 'gpt-4o' }, { 'x-mock-fault': 'hang' }, controller.signal);
    await mock.waitForRequests(received + 1);
    const id = mock.received.at(-1)!.id;
    controller.abort();
    await assert.rejects(pending);
    await mock.waitForClose(id);
  });

  test('a stream dropped mid-way ends with an in-band error (OpenAI SDK raises it)', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'x-mock-fault': 'drop-mid-stream' } },
    );
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError);
        assert.match(err.message, /broke off/);
        return true;
      },
    );
    assert.ok(text.length > 0, 'the chunks before the drop arrived');
  });

  test('a dropped Anthropic stream ends with an `event: error`', async () => {
    const res = await startStream(
      { model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-mock-fault': 'drop-mid-stream' },
    );
    const text = await res.text();
    const last = events(text).at(-1)!;
    assert.match(last, /^event: error\ndata: /);
    const data = JSON.parse(last.split('data: ')[1]!) as {
      type: string;
      error: { type: string; code: string };
    };
    assert.equal(data.type, 'error');
    assert.equal(data.error.code, 'upstream_unavailable');
    assert.ok(!text.includes('message_stop'));
  });

  test('a stream that stalls past the idle timeout ends with an in-band error', async () => {
    const stalling = await startGateway(
      mockConfig(mock.url, { upstreams: { openai: { url: mock.url, idle_timeout: '300ms' } } }),
    );
    try {
      const res = await fetch(`${stalling.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-fault': 'stall-mid-stream' },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.text();
      const data = JSON.parse(events(text).at(-1)!.slice('data: '.length)) as { error: { code: string } };
      assert.equal(data.error.code, 'upstream_timeout');
    } finally {
      await stalling.close();
    }
  });
});
