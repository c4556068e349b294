// OpenAiRescue: when a chat stream can be continued, the continuation per prefill style, and how a
// continuation's chunks are rewritten into the client's stream.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OpenAiRescue } from './openai-rescue.ts';

const chunk = (body: Record<string, unknown>) => `data: ${JSON.stringify(body)}\n\n`;
const ids = { id: 'chatcmpl-client', object: 'chat.completion.chunk', created: 100, model: 'gpt-x' };
const delta = (d: Record<string, unknown>, finish: string | null = null, at = ids) =>
  chunk({ ...at, choices: [{ index: 0, delta: d, finish_reason: finish }] });
const other = { id: 'chatcmpl-other', object: 'chat.completion.chunk', created: 200, model: 'llama' };
const parse = (raw: string) => JSON.parse(raw.slice('data: '.length)) as Record<string, unknown>;

function seen(...events: string[]): OpenAiRescue {
  const rescue = new OpenAiRescue({
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 20,
    max_completion_tokens: 30,
  });
  for (const e of events) rescue.observe(e);
  return rescue;
}

describe('OpenAiRescue', () => {
  test('possible for one choice of plain text, not after its finish, a tool call or a refusal', () => {
    assert.equal(seen().possible, false, 'nothing reached the client');
    assert.equal(seen(delta({ role: 'assistant', content: '' })).possible, true);
    assert.equal(seen(delta({ content: 'Hi' })).possible, true);
    assert.equal(seen(delta({ content: 'Hi' }), delta({}, 'stop')).possible, false);
    assert.equal(seen(delta({ tool_calls: [{ index: 0, function: { arguments: '{' } }] })).possible, false);
    assert.equal(seen(delta({ refusal: 'No.' })).possible, false);
    const two = chunk({ ...ids, choices: [{ index: 1, delta: { content: 'x' }, finish_reason: null }] });
    assert.equal(seen(two).possible, false);
  });

  test('with a prefill style: the text so far as a trailing assistant message, bounds reduced', () => {
    const rescue = seen(delta({ role: 'assistant', content: 'Hello ' }), delta({ content: 'wor' }));
    const plain = rescue.continuation({ model: 'm', messages: [], stream: true }, 'assistant');
    assert.deepEqual(plain.messages, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello wor' },
    ]);
    assert.equal(plain.max_tokens, 17, '20 less 3 tokens (9 chars)');
    assert.equal(plain.max_completion_tokens, 27);
    assert.equal(plain.stream, true);
    const deepseek = rescue.continuation({}, 'deepseek');
    assert.deepEqual((deepseek.messages as unknown[]).at(-1), {
      role: 'assistant',
      content: 'Hello wor',
      prefix: true,
    });
    const vllm = rescue.continuation({}, 'vllm');
    assert.equal(vllm.continue_final_message, true);
    assert.equal(vllm.add_generation_prompt, false);
    const mistral = rescue.continuation(vllm, 'mistral');
    assert.equal(mistral.continue_final_message, undefined, "another style's fields are taken out");
  });

  test("the continuation's chunks carry the client's id, model and created; no second role; usage summed", () => {
    const rescue = seen(delta({ role: 'assistant', content: 'Hello ' }), delta({ content: 'wor' }));
    rescue.continuation({}, 'assistant');
    assert.equal(
      rescue.splice(delta({ role: 'assistant', content: '' }, null, other)),
      '',
      'role-only: dropped',
    );
    const next = parse(rescue.splice(delta({ content: 'ld' }, null, other)));
    assert.equal(next.id, 'chatcmpl-client');
    assert.equal(next.model, 'gpt-x');
    assert.equal(next.created, 100);
    assert.deepEqual((next.choices as { delta: unknown }[])[0]!.delta, { content: 'ld' });
    const finish = parse(rescue.splice(delta({}, 'stop', other)));
    assert.equal((finish.choices as { finish_reason: string }[])[0]!.finish_reason, 'stop');
    const usage = parse(
      rescue.splice(
        chunk({ ...other, choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } }),
      ),
    );
    assert.deepEqual(usage.usage, { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 });
    assert.equal(rescue.splice('data: [DONE]\n\n'), 'data: [DONE]\n\n');
  });

  test('regenerated: held until it covers the client text, then only the rest goes on', () => {
    const rescue = seen(delta({ role: 'assistant', content: 'Hello ' }), delta({ content: 'wor' }));
    const body = rescue.continuation({ model: 'm', max_tokens: 1 }, 'none');
    assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }]);
    assert.equal(body.max_tokens, 20, "the client's own bound");
    assert.equal(rescue.splice(delta({ role: 'assistant', content: 'Hel' }, null, other)), '');
    const rest = parse(rescue.splice(delta({ content: 'lo world' }, null, other)));
    assert.deepEqual((rest.choices as { delta: unknown }[])[0]!.delta, { content: 'ld' });
    assert.equal(rescue.diverged, false);
  });

  test('regenerated: a different answer diverges, and so does one that finishes short', () => {
    const differs = seen(delta({ content: 'Hello' }));
    differs.continuation({}, 'none');
    assert.equal(differs.splice(delta({ content: 'Hi there' }, null, other)), '');
    assert.equal(differs.diverged, true);
    const short = seen(delta({ content: 'Hello world' }));
    short.continuation({}, 'none');
    short.splice(delta({ content: 'Hello' }, null, other));
    assert.equal(short.splice(delta({}, 'stop', other)), '');
    assert.equal(short.diverged, true);
  });

  test('regenerated: an end before it covered the client text diverges, never a short success', () => {
    const rescue = seen(delta({ content: 'Hello world' }));
    rescue.continuation({}, 'none');
    rescue.splice(delta({ content: 'Hello' }, null, other));
    assert.equal(rescue.unverified, true);
    assert.equal(rescue.splice('data: [DONE]\n\n'), '');
    assert.equal(rescue.diverged, true);
  });
});
