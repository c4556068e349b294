import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUsageChunkFilter } from './usage-chunk-filter.ts';

const content = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}\n\n';
const usage =
  'data: {"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n';
const done = 'data: [DONE]\n\n';

test('drops only the usage chunk, keeps order and the terminator', () => {
  const f = createUsageChunkFilter();
  assert.equal(f.push(content + usage + done), content + done);
  assert.equal(f.flush(), '');
});

test('whatever the chunk boundaries, the output is the same', () => {
  const stream = content + content + usage + done;
  for (let cut = 1; cut < stream.length; cut++) {
    const f = createUsageChunkFilter();
    const out = f.push(stream.slice(0, cut)) + f.push(stream.slice(cut)) + f.flush();
    assert.equal(out, content + content + done, `cut at ${cut}`);
  }
});

test('CRLF events and a usage-only chunk with spaces are handled', () => {
  const f = createUsageChunkFilter();
  const spaced = 'data: {"choices": [ ], "usage": {"prompt_tokens": 1}}\r\n\r\n';
  assert.equal(f.push(`${spaced}data: [DONE]\r\n\r\n`), 'data: [DONE]\r\n\r\n');
});

test('content chunks that mention usage in their text are kept', () => {
  const f = createUsageChunkFilter();
  const text = 'data: {"choices":[{"delta":{"content":"\\"usage\\": {} and \\"choices\\": []"}}]}\n\n';
  assert.equal(f.push(text), text);
});
