// The demo's workload: the same requests every run, in a mix of sizes, bounds and streams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildWorkload, chatBody, requestTokens } from './workload.ts';

test('is the same every time, and a longer workload starts with the shorter one', () => {
  assert.deepEqual(buildWorkload(40), buildWorkload(40));
  assert.deepEqual(buildWorkload(100).slice(0, 40), buildWorkload(40));
  assert.deepEqual(
    buildWorkload(5).map((r) => r.index),
    [0, 1, 2, 3, 4],
  );
});

test('mixes prompt sizes, output bounds and streams', () => {
  const workload = buildWorkload(60);
  const promptSizes = new Set(workload.map((r) => r.prompt.length));
  const bounds = new Set(workload.map((r) => r.maxTokens));
  const streamed = workload.filter((r) => r.stream).length;
  assert.ok(promptSizes.size >= 8, `prompt sizes: ${promptSizes.size}`);
  assert.ok(bounds.size >= 4, `bounds: ${bounds.size}`);
  assert.equal(streamed, 20);
  const tokens = workload.map(requestTokens);
  assert.ok(Math.max(...tokens) > 5 * Math.min(...tokens), 'big and small requests both');
});

test('charges the prompt at a quarter token per character plus the output bound', () => {
  const [first] = buildWorkload(1);
  assert.ok(first);
  const body = chatBody(first);
  assert.equal(body.max_tokens, first.maxTokens);
  assert.equal(body.messages[0]?.content, first.prompt);
  assert.equal(requestTokens(first), Math.ceil(first.prompt.length / 4) + first.maxTokens);
});
