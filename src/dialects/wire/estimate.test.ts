import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateCost, estimateInputTokens, outputBound } from './estimate.ts';

test('input tokens: a quarter per character of the text the model reads', () => {
  const body = { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(400) }] };
  assert.equal(estimateInputTokens(body), 100, 'the role marker is not text');
});

test('anthropic system blocks and content parts count; a base64 image counts as one picture', () => {
  const body = {
    system: [{ type: 'text', text: 'y'.repeat(40) }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'z'.repeat(80) },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(1_000_000) } },
        ],
      },
    ],
  };
  const tokens = estimateInputTokens(body);
  assert.ok(tokens > 1000 && tokens < 1100, `${tokens}`);
});

test('tool schemas count as text, their "url" properties included', () => {
  const body = {
    messages: [],
    tools: [
      { type: 'function', function: { name: 'f', parameters: { properties: { url: { type: 'string' } } } } },
    ],
  };
  assert.ok(estimateInputTokens(body) < 20);
});

test('the output bound: max_completion_tokens, max_tokens, max_output_tokens, else the default', () => {
  assert.equal(outputBound({ max_completion_tokens: 10, max_tokens: 20 }), 10);
  assert.equal(outputBound({ max_output_tokens: 30 }), 30);
  assert.equal(outputBound({ max_tokens: 'x' }), undefined);
  assert.deepEqual(estimateCost({ prompt: 'abcd' }, 4096, true), {
    requests: 1,
    inputTokens: 1,
    outputTokens: 4096,
  });
  assert.deepEqual(estimateCost({ input: ['abcd', 'efgh'] }, 4096, false), {
    requests: 1,
    inputTokens: 2,
    outputTokens: 0,
  });
});
