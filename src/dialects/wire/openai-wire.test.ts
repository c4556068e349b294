// Tests for the OpenAI wire format: usage from bodies and from SSE streams cut at awkward places.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StreamObserver, Usage } from '../types.ts';
import { observeOpenaiStream, openaiUsage } from './openai-wire.ts';

interface Observed {
  usage: Usage | undefined;
  finished: boolean;
  error: string | undefined;
}

function observe(chunks: readonly string[]): Observed {
  const observer: StreamObserver = observeOpenaiStream();
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

function sse(...events: Array<string | { event: string; data: unknown }>): string {
  return events
    .map((e) => {
      if (typeof e === 'string') return `data: ${e}\n\n`;
      return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
    })
    .join('');
}

function chunk(choices: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 'chatcmpl-abc',
    object: 'chat.completion.chunk',
    created: 1_750_000_000,
    model: 'gpt-4o-mini',
    choices,
    usage: null,
    ...extra,
  });
}

const delta = (content: string) => ({ index: 0, delta: { content }, finish_reason: null });

const CHAT_USAGE = {
  prompt_tokens: 12,
  completion_tokens: 3,
  total_tokens: 15,
  prompt_tokens_details: { cached_tokens: 8, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};

const chatStream = sse(
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
  chunk([delta('Hello')]),
  chunk([delta(' there {"usage": {"prompt_tokens": 999}} "error": {}')]),
  chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
  chunk([], { usage: CHAT_USAGE }),
  '[DONE]',
);

describe('openaiUsage', () => {
  test('reads a Chat Completions body, cached tokens included', () => {
    const body = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: CHAT_USAGE,
    };
    assert.deepEqual(openaiUsage(body), { inputTokens: 12, outputTokens: 3, cachedInputTokens: 8 });
  });

  test('leaves cachedInputTokens out when nothing was cached', () => {
    const usage = { prompt_tokens: 5, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 0 } };
    assert.deepEqual(openaiUsage({ usage }), { inputTokens: 5, outputTokens: 2 });
    assert.deepEqual(openaiUsage({ usage: { prompt_tokens: 5, completion_tokens: 2 } }), {
      inputTokens: 5,
      outputTokens: 2,
    });
  });

  test('reads a legacy Completions body', () => {
    const body = {
      object: 'text_completion',
      choices: [{ text: 'x', index: 0 }],
      usage: { prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 },
    };
    assert.deepEqual(openaiUsage(body), { inputTokens: 4, outputTokens: 16 });
  });

  test('reads an Embeddings body as input only', () => {
    const body = {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    };
    assert.deepEqual(openaiUsage(body), { inputTokens: 8, outputTokens: 0 });
  });

  test('reads a Responses API body, cached tokens included', () => {
    const body = {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      usage: {
        input_tokens: 300,
        input_tokens_details: { cached_tokens: 256 },
        output_tokens: 40,
        output_tokens_details: { reasoning_tokens: 10 },
        total_tokens: 340,
      },
    };
    assert.deepEqual(openaiUsage(body), { inputTokens: 300, outputTokens: 40, cachedInputTokens: 256 });
  });

  test('reads a Responses API stream event that wraps the response', () => {
    const event = { type: 'response.completed', response: { usage: { input_tokens: 20, output_tokens: 5 } } };
    assert.deepEqual(openaiUsage(event), { inputTokens: 20, outputTokens: 5 });
  });

  test('reads Groq usage from x_groq', () => {
    const body = {
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      x_groq: {
        id: 'req_1',
        usage: { queue_time: 0.01, prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 },
      },
    };
    assert.deepEqual(openaiUsage(body), { inputTokens: 40, outputTokens: 10 });
  });

  test('prefers a top-level usage over x_groq', () => {
    const body = {
      usage: { prompt_tokens: 1, completion_tokens: 2 },
      x_groq: { usage: { prompt_tokens: 40, completion_tokens: 10 } },
    };
    assert.deepEqual(openaiUsage(body), { inputTokens: 1, outputTokens: 2 });
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
      { usage: { completion_tokens: 3 } },
      { usage: { prompt_tokens: -1, completion_tokens: 3 } },
      { usage: { prompt_tokens: '12', completion_tokens: 3 } },
      { response: { usage: null } },
    ]) {
      assert.equal(openaiUsage(body), undefined, JSON.stringify(body));
    }
  });
});

describe('observeOpenaiStream: Chat Completions', () => {
  test('takes usage from the final usage chunk and finishes on [DONE], however the stream is cut', () => {
    assertObservedEverywhere(chatStream, {
      usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 8 },
      finished: true,
      error: undefined,
    });
  });

  test('is not finished before [DONE]', () => {
    const cut = chatStream.slice(0, chatStream.indexOf('data: [DONE]'));
    assert.deepEqual(observe([cut]), {
      usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 8 },
      finished: false,
      error: undefined,
    });
  });

  test('is not finished by a [DONE] whose line has not ended', () => {
    assert.equal(observe([`${chatStream.slice(0, chatStream.indexOf('[DONE]'))}[DONE]`]).finished, false);
  });

  test('has no usage when the stream carries none', () => {
    const stream = sse(
      chunk([delta('Hi')]),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      '[DONE]',
    );
    assertObservedEverywhere(stream, { usage: undefined, finished: true, error: undefined });
  });

  test('keeps the last usage seen', () => {
    const stream = sse(
      chunk([], { usage: { prompt_tokens: 1, completion_tokens: 1 } }),
      chunk([], { usage: { prompt_tokens: 10, completion_tokens: 20 } }),
      '[DONE]',
    );
    assert.deepEqual(observe([stream]).usage, { inputTokens: 10, outputTokens: 20 });
  });

  test('ignores comments and keep-alive lines', () => {
    const stream = `: keep-alive\n\n${sse(chunk([], { usage: { prompt_tokens: 2, completion_tokens: 1 } }))}: ping\n\ndata: [DONE]\n\n`;
    assertObservedEverywhere(stream, {
      usage: { inputTokens: 2, outputTokens: 1 },
      finished: true,
      error: undefined,
    });
  });

  test('takes Groq usage from x_groq in the last chunk', () => {
    const stream = sse(
      chunk([delta('Hi')], { model: 'llama-3.1-8b-instant' }),
      JSON.stringify({
        id: 'chatcmpl-groq',
        object: 'chat.completion.chunk',
        model: 'llama-3.1-8b-instant',
        choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
        x_groq: {
          id: 'req_01',
          usage: {
            queue_time: 0.02,
            prompt_tokens: 40,
            prompt_time: 0.002,
            completion_tokens: 10,
            total_tokens: 50,
          },
        },
      }),
      '[DONE]',
    );
    assertObservedEverywhere(stream, {
      usage: { inputTokens: 40, outputTokens: 10 },
      finished: true,
      error: undefined,
    });
  });
});

describe('observeOpenaiStream: a whole answer without [DONE]', () => {
  const finish = (index: number) => chunk([{ index, delta: {}, finish_reason: 'stop' }]);
  const usageChunk = chunk([], { usage: { prompt_tokens: 4, completion_tokens: 2 } });
  const seen = (stream: string, expect?: { choices: number; usage: boolean }) => {
    const observer = observeOpenaiStream(expect);
    observer.push(stream);
    return { finished: observer.finished(), complete: observer.complete() };
  };

  test('is complete once every choice has its finish_reason', () => {
    assert.deepEqual(seen(sse(chunk([delta('Hi')]), finish(0))), { finished: false, complete: true });
    assert.deepEqual(seen(sse(chunk([delta('Hi')]))), { finished: false, complete: false });
  });

  test('with n choices, only when all of them finished', () => {
    const two = { choices: 2, usage: false };
    assert.equal(seen(sse(finish(0)), two).complete, false);
    assert.equal(seen(sse(finish(0), finish(1)), two).complete, true);
    assert.equal(seen(sse(finish(1), finish(1)), two).complete, false, 'the same choice twice is one');
  });

  test('when the client asked for usage, only once the usage chunk came', () => {
    const asked = { choices: 1, usage: true };
    assert.equal(seen(sse(finish(0)), asked).complete, false);
    assert.equal(seen(sse(finish(0), usageChunk), asked).complete, true);
  });

  test('a finish_reason of null, or one in the text, is not a finish', () => {
    assert.equal(seen(sse(chunk([delta('"finish_reason":"stop"')]))).complete, false);
  });

  test('a Responses API stream is whole only with its terminal event', () => {
    const typed = sse({ event: 'response.output_text.done', data: { type: 'x', finish_reason: 'stop' } });
    assert.equal(seen(typed).complete, false);
  });
});

describe('observeOpenaiStream: errors', () => {
  const errorData = JSON.stringify({
    error: {
      message: 'The server had an error while processing your request.',
      type: 'server_error',
      param: null,
      code: null,
    },
  });

  test('reports a data error frame', () => {
    const stream = sse(chunk([delta('Hel')]), errorData);
    assertObservedEverywhere(stream, { usage: undefined, finished: false, error: errorData });
  });

  test('reports an error frame whose error key is spaced', () => {
    const spaced = '{"error": {"message": "overloaded", "type": "server_error"}}';
    assert.equal(observe([sse(spaced)]).error, spaced);
  });

  test('reports an event: error frame', () => {
    const data = { type: 'error', code: 'server_error', message: 'Something went wrong', param: null };
    assert.equal(observe([sse({ event: 'error', data })]).error, JSON.stringify(data));
  });

  test('does not report a chunk that only mentions an error in its text or has a null error', () => {
    const stream = sse(
      chunk([delta('"error": {"x": 1}')]),
      JSON.stringify({ error: null, choices: [] }),
      '[DONE]',
    );
    assert.equal(observe([stream]).error, undefined);
  });
});

describe('observeOpenaiStream: Responses API', () => {
  const response = (status: string, extra: Record<string, unknown>) => ({
    id: 'resp_1',
    object: 'response',
    created_at: 1_750_000_000,
    status,
    error: null,
    incomplete_details: null,
    model: 'gpt-4.1-mini',
    output: [],
    usage: null,
    ...extra,
  });
  const usage = {
    input_tokens: 20,
    input_tokens_details: { cached_tokens: 16 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 25,
  };
  const completed = sse(
    {
      event: 'response.created',
      data: { type: 'response.created', sequence_number: 0, response: response('in_progress', {}) },
    },
    {
      event: 'response.output_text.delta',
      data: {
        type: 'response.output_text.delta',
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: 'Hi',
        sequence_number: 1,
      },
    },
    {
      event: 'response.completed',
      data: { type: 'response.completed', sequence_number: 2, response: response('completed', { usage }) },
    },
  );

  test('response.completed finishes the stream and gives usage, however the stream is cut', () => {
    assertObservedEverywhere(completed, {
      usage: { inputTokens: 20, outputTokens: 5, cachedInputTokens: 16 },
      finished: true,
      error: undefined,
    });
  });

  test('is not finished before the terminal event', () => {
    const cut = completed.slice(0, completed.indexOf('event: response.completed'));
    assert.deepEqual(observe([cut]), { usage: undefined, finished: false, error: undefined });
  });

  test('response.incomplete finishes the stream too', () => {
    const stream = sse({
      event: 'response.incomplete',
      data: { type: 'response.incomplete', response: response('incomplete', { usage }) },
    });
    assert.equal(observe([stream]).finished, true);
  });

  test('response.failed finishes the stream and reports its error', () => {
    const data = {
      type: 'response.failed',
      sequence_number: 3,
      response: response('failed', { error: { code: 'server_error', message: 'The model failed.' } }),
    };
    assert.deepEqual(observe([sse({ event: 'response.failed', data })]), {
      usage: undefined,
      finished: true,
      error: JSON.stringify(data),
    });
  });
});
