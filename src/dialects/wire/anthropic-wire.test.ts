// Tests for the Anthropic wire format: usage from bodies and from message_start / message_delta events.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Usage } from '../types.ts';
import { anthropicUsage, observeAnthropicStream } from './anthropic-wire.ts';

interface Observed {
  usage: Usage | undefined;
  finished: boolean;
  error: string | undefined;
}

function observe(chunks: readonly string[]): Observed {
  const observer = observeAnthropicStream();
  for (const chunk of chunks) observer.push(chunk);
  return { usage: observer.usage(), finished: observer.finished(), error: observer.upstreamError() };
}

/** The stream whole, one character at a time, and cut in two at every position (mid-line, mid-JSON, mid-CRLF). */
function cuts(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

/** Asserts that every way of cutting the stream, with LF or CRLF line ends, is observed the same. */
function assertObservedEverywhere(stream: string, expected: Observed): void {
  for (const text of [stream, stream.replaceAll('\n', '\r\n')]) {
    for (const chunks of cuts(text)) {
      assert.deepEqual(observe(chunks), expected, JSON.stringify(chunks.slice(0, 2)));
    }
  }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function messageStart(usage: Record<string, number>): string {
  return event('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  });
}

function messageDelta(usage: Record<string, number>): string {
  return event('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage,
  });
}

const textBlock = [
  event('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  }),
  event('ping', { type: 'ping' }),
  event('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: 'event: message_stop\n"usage": {"output_tokens": 999}' },
  }),
  event('content_block_stop', { type: 'content_block_stop', index: 0 }),
].join('');

const messageStop = event('message_stop', { type: 'message_stop' });

describe('anthropicUsage', () => {
  test('reads a Messages body, summing cache reads and writes into the input', () => {
    const body = {
      id: 'msg_01',
      type: 'message',
      content: [{ type: 'text', text: 'Hi' }],
      usage: {
        input_tokens: 25,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 2000,
        output_tokens: 15,
      },
    };
    assert.deepEqual(anthropicUsage(body), {
      inputTokens: 2125,
      outputTokens: 15,
      cachedInputTokens: 2000,
      cacheWriteTokens: 100,
    });
  });

  test('leaves cachedInputTokens out when nothing was read from the cache', () => {
    const usage = {
      input_tokens: 25,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 0,
      output_tokens: 15,
    };
    assert.deepEqual(anthropicUsage({ usage }), {
      inputTokens: 125,
      outputTokens: 15,
      cacheWriteTokens: 100,
    });
    assert.deepEqual(anthropicUsage({ usage: { input_tokens: 3, output_tokens: 4 } }), {
      inputTokens: 3,
      outputTokens: 4,
    });
  });

  test('reads a count_tokens answer, which has no usage wrapper', () => {
    assert.deepEqual(anthropicUsage({ input_tokens: 12 }), { inputTokens: 12, outputTokens: 0 });
  });

  test('is undefined without usable usage', () => {
    for (const body of [
      undefined,
      null,
      'text',
      [],
      {},
      { usage: null },
      { usage: {} },
      { input_tokens: '12' },
    ]) {
      assert.equal(anthropicUsage(body), undefined, JSON.stringify(body));
    }
  });
});

describe('observeAnthropicStream', () => {
  const fullStream = [
    messageStart({
      input_tokens: 25,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 2000,
      output_tokens: 1,
    }),
    textBlock,
    messageDelta({ output_tokens: 15 }),
    messageStop,
  ].join('');

  test('combines message_start and message_delta and finishes on message_stop, however the stream is cut', () => {
    assertObservedEverywhere(fullStream, {
      usage: { inputTokens: 2125, outputTokens: 15, cachedInputTokens: 2000, cacheWriteTokens: 100 },
      finished: true,
      error: undefined,
    });
  });

  test('has the input side as soon as message_start passed', () => {
    const start = messageStart({ input_tokens: 25, cache_read_input_tokens: 5, output_tokens: 1 });
    assert.deepEqual(observe([start]), {
      usage: { inputTokens: 30, outputTokens: 1, cachedInputTokens: 5 },
      finished: false,
      error: undefined,
    });
  });

  test('has no usage before message_start', () => {
    assert.deepEqual(observe([event('ping', { type: 'ping' })]), {
      usage: undefined,
      finished: false,
      error: undefined,
    });
  });

  test('the last cumulative message_delta wins', () => {
    const stream = [
      messageStart({ input_tokens: 10, output_tokens: 1 }),
      messageDelta({ output_tokens: 5 }),
      messageDelta({ output_tokens: 42 }),
      messageStop,
    ].join('');
    assert.deepEqual(observe([stream]).usage, { inputTokens: 10, outputTokens: 42 });
  });

  test('a message_delta with the input side replaces the counts of message_start', () => {
    const stream = [
      messageStart({
        input_tokens: 10,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 1,
      }),
      messageDelta({
        input_tokens: 12,
        cache_creation_input_tokens: 3,
        cache_read_input_tokens: 50,
        output_tokens: 30,
      }),
      messageStop,
    ].join('');
    assertObservedEverywhere(stream, {
      usage: { inputTokens: 65, outputTokens: 30, cachedInputTokens: 50, cacheWriteTokens: 3 },
      finished: true,
      error: undefined,
    });
  });

  test('is not finished before message_stop', () => {
    const cut = fullStream.slice(0, fullStream.lastIndexOf('event: message_stop'));
    assert.equal(observe([cut]).finished, false);
    assert.deepEqual(observe([cut]).usage, {
      inputTokens: 2125,
      outputTokens: 15,
      cachedInputTokens: 2000,
      cacheWriteTokens: 100,
    });
  });

  test('reports an error event, and the stream is not finished', () => {
    const data = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const stream = [
      messageStart({ input_tokens: 10, output_tokens: 1 }),
      textBlock,
      event('error', data),
    ].join('');
    assertObservedEverywhere(stream, {
      usage: { inputTokens: 10, outputTokens: 1 },
      finished: false,
      error: JSON.stringify(data),
    });
  });

  test('is complete, though not finished, once message_delta carries a stop_reason', () => {
    const observer = observeAnthropicStream();
    observer.push([messageStart({ input_tokens: 1, output_tokens: 1 }), textBlock].join(''));
    assert.equal(observer.complete(), false);
    observer.push(messageDelta({ output_tokens: 5 }));
    assert.equal(observer.complete(), true);
    assert.equal(observer.finished(), false);
  });

  test('ignores events with broken JSON', () => {
    const stream = `event: message_start\ndata: {"type":"message_start","message":{\n\n${messageStop}`;
    assert.deepEqual(observe([stream]), { usage: undefined, finished: true, error: undefined });
  });
});
