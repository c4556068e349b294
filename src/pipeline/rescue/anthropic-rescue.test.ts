// AnthropicRescue: when a Messages stream can be continued, the continuation body, and the splice.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnthropicRescue } from './anthropic-rescue.ts';

const ev = (type: string, body: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;
const start = ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
const delta = (text: string, index = 0) =>
  ev('content_block_delta', { index, delta: { type: 'text_delta', text } });

function seen(...events: string[]): AnthropicRescue {
  const rescue = new AnthropicRescue({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 9 });
  for (const e of events) rescue.observe(e);
  return rescue;
}

describe('AnthropicRescue', () => {
  test('possible only in the middle of the one text block', () => {
    assert.equal(seen().possible, false, 'no block yet');
    assert.equal(seen(start).possible, true, 'the block is open, with no text yet');
    assert.equal(seen(start, delta('Hello')).possible, true);
    assert.equal(seen(start, delta('Hello'), ev('content_block_stop', { index: 0 })).possible, false);
    const tool = ev('content_block_delta', {
      index: 0,
      delta: { type: 'input_json_delta', partial_json: '{' },
    });
    assert.equal(seen(start, delta('Hi'), tool).possible, false);
    const thinking = ev('content_block_start', {
      index: 0,
      content_block: { type: 'thinking', thinking: '' },
    });
    assert.equal(seen(thinking, delta('Hi')).possible, false);
  });

  test('the continuation ends with the text so far as prefill, trailing whitespace trimmed', () => {
    const rescue = seen(start, delta('Hello '), delta('wor'));
    const body = rescue.continuation(
      { model: 'm', max_tokens: 9, messages: [{ role: 'user', content: 'x' }] },
      'assistant',
    );
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello wor' },
    ]);
    assert.equal(body.max_tokens, 6, 'the bound less what the client has (9 chars: 3 tokens)');
    assert.equal(rescue.splicing, true);
    const spaced = seen(start, delta('Hello '));
    assert.deepEqual((spaced.continuation({}, 'assistant').messages as unknown[]).at(-1), {
      role: 'assistant',
      content: 'Hello',
    });
  });

  test('the splice drops the opening events, owes back trimmed whitespace, and adds the partial usage', () => {
    const rescue = seen(start, delta('Hello '));
    rescue.continuation({}, 'assistant');
    assert.equal(rescue.splice(ev('message_start', { message: { usage: { output_tokens: 1 } } })), '');
    assert.equal(rescue.splice(start), '');
    const ping = ev('ping', {});
    assert.equal(rescue.splice(ping), ping);
    // The model repeats the space the prefill left out: the client has it already.
    assert.equal(rescue.splice(delta(' world')), delta('world'));
    assert.equal(rescue.splice(delta(' again')), delta(' again'), 'owed only once');
    const md = rescue.splice(
      ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } }),
    );
    assert.match(md, /"output_tokens":5/); // 3 + ceil(6 chars / 4)
  });

  test('a target that cannot prefill is asked for the whole answer, checked against what the client has', () => {
    const rescue = seen(start, delta('Hello '), delta('wor'));
    const body = rescue.continuation({ model: 'm', max_tokens: 9, messages: [] }, 'none');
    assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }], 'the client messages, no prefill');
    assert.equal(body.max_tokens, 9, 'the whole bound: it is the whole answer again');
    assert.equal(rescue.prefilled, false);
    assert.equal(rescue.splice(start), '');
    assert.equal(rescue.splice(delta('Hel')), '', 'held: the client has it');
    assert.equal(rescue.splice(delta('lo wo')), '');
    assert.equal(rescue.splice(delta('rld!')), delta('ld!'), 'what comes after the client text goes on');
    assert.equal(rescue.splice(delta(' More')), delta(' More'));
    assert.equal(rescue.diverged, false);
  });

  test('a regenerated answer that differs, or ends short, diverges', () => {
    const differs = seen(start, delta('Hello'));
    differs.continuation({}, 'none');
    assert.equal(differs.splice(delta('Help')), '');
    assert.equal(differs.diverged, true);
    assert.equal(differs.possible, false);
    const short = seen(start, delta('Hello world'));
    short.continuation({}, 'none');
    short.splice(delta('Hello'));
    assert.equal(short.splice(ev('content_block_stop', { index: 0 })), '');
    assert.equal(short.diverged, true);
  });

  test('after a refused prefill the next continuation regenerates', () => {
    const rescue = seen(start, delta('Hello'));
    rescue.continuation({}, 'assistant');
    assert.equal(rescue.prefilled, true);
    rescue.refusePrefill();
    const body = rescue.continuation({ messages: [] }, 'assistant');
    assert.equal((body.messages as unknown[]).length, 1);
    assert.equal(rescue.prefilled, false);
  });

  test('regenerated: a message_stop before it covered the client text diverges', () => {
    const rescue = seen(start, delta('Hello world'));
    rescue.continuation({}, 'none');
    rescue.splice(delta('Hello'));
    assert.equal(rescue.splice(ev('message_stop', {})), '');
    assert.equal(rescue.diverged, true);
  });
});
