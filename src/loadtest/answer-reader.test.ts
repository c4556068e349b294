// Reading load-test answers: usage from JSON and streams, the first content event, how a stream ended.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createStreamReader, errorMessageOf, MAX_EVENT_CHARS, usageOf } from './answer-reader.ts';
import type { LoadDialect } from './plan.ts';

const data = (v: unknown) => `data: ${JSON.stringify(v)}\n\n`;
const event = (type: string, v: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...v })}\n\n`;

const chunk = (delta: Record<string, unknown>, usage: unknown = null) => ({
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, finish_reason: null }],
  usage,
});

const openaiStream = [
  data(chunk({ role: 'assistant', content: '' })),
  data(chunk({ content: 'Hello' })),
  data(chunk({ content: ' there.' })),
  data({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 12, completion_tokens: 3 } }),
  'data: [DONE]\n\n',
];

const anthropicStream = [
  event('message_start', { message: { usage: { input_tokens: 20, output_tokens: 1 } } }),
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  event('ping', {}),
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
  event('content_block_stop', { index: 0 }),
  event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } }),
  event('message_stop', {}),
];

/** Feeds the events one character at a time, and says after which event content was first seen. */
function read(dialect: LoadDialect, events: string[]) {
  const reader = createStreamReader(dialect);
  let firstContentAt: number | undefined;
  events.forEach((ev, i) => {
    for (const ch of ev) reader.push(ch);
    if (firstContentAt === undefined && reader.sawContent) firstContentAt = i;
  });
  return { problem: reader.end(), usage: reader.usage, firstContentAt };
}

describe('usageOf and errorMessageOf', () => {
  test('each dialect names its counts', () => {
    assert.deepEqual(usageOf('openai', { usage: { prompt_tokens: 5, completion_tokens: 7 } }), {
      input: 5,
      output: 7,
    });
    assert.deepEqual(usageOf('anthropic', { usage: { input_tokens: 5, output_tokens: 7 } }), {
      input: 5,
      output: 7,
    });
    assert.equal(usageOf('openai', { usage: { input_tokens: 5 } }), undefined);
    assert.equal(usageOf('openai', { choices: [] }), undefined);
    assert.equal(usageOf('anthropic', 'text'), undefined);
  });

  test('the message of both error shapes', () => {
    assert.equal(errorMessageOf({ error: { message: 'slow down', type: 'x' } }), 'slow down');
    assert.equal(
      errorMessageOf({ type: 'error', error: { type: 'rate_limit_error', message: 'wait' } }),
      'wait',
    );
    assert.equal(errorMessageOf({ detail: 'nope' }), undefined);
  });
});

describe('createStreamReader', () => {
  test('OpenAI: content is the first non-empty delta, usage from the usage chunk, [DONE] ends it', () => {
    const r = read('openai', openaiStream);
    assert.equal(r.firstContentAt, 1, 'the role-only chunk carries no content');
    assert.deepEqual(r.usage, { input: 12, output: 3 });
    assert.equal(r.problem, undefined);
  });

  test('OpenAI: tool calls and reasoning count as content', () => {
    const tool = read('openai', [
      data(chunk({ tool_calls: [{ index: 0, function: { arguments: '{' } }] })),
      'data: [DONE]\n\n',
    ]);
    assert.equal(tool.firstContentAt, 0);
    const reasoning = read('openai', [data(chunk({ reasoning_content: 'hmm' })), 'data: [DONE]\n\n']);
    assert.equal(reasoning.firstContentAt, 0);
  });

  test('Anthropic: content from content_block_delta, input from message_start, output from message_delta', () => {
    const r = read('anthropic', anthropicStream);
    assert.equal(r.firstContentAt, 3);
    assert.deepEqual(r.usage, { input: 20, output: 7 });
    assert.equal(r.problem, undefined);
  });

  test('a stream cut off before its end marker is a broken answer, its usage so far kept', () => {
    assert.equal(read('openai', openaiStream.slice(0, 3)).problem, 'broken_answer');
    const cut = read('anthropic', anthropicStream.slice(0, 6));
    assert.equal(cut.problem, 'broken_answer');
    assert.deepEqual(cut.usage, { input: 20, output: 7 });
  });

  test('an in-band error event is a stream error', () => {
    const openai = read('openai', [openaiStream[1]!, data({ error: { message: 'overloaded' } })]);
    assert.equal(openai.problem, 'stream_error');
    const anthropic = read('anthropic', [
      anthropicStream[0]!,
      event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
    ]);
    assert.equal(anthropic.problem, 'stream_error');
  });

  test('bytes that are not the dialect events are a bad answer, as is an event past the bound', () => {
    assert.equal(read('openai', ['data: {not json\n\n', 'data: [DONE]\n\n']).problem, 'bad_answer');
    const reader = createStreamReader('openai');
    reader.push(`data: "${'x'.repeat(MAX_EVENT_CHARS)}`);
    assert.equal(reader.problem, 'bad_answer');
  });

  test('a last event without its blank line still counts', () => {
    const r = read('openai', [...openaiStream.slice(0, 4), 'data: [DONE]']);
    assert.equal(r.problem, undefined);
  });
});
