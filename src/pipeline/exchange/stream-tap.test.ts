import assert from 'node:assert/strict';
import { test } from 'node:test';
import { observeAnthropicStream } from '../../dialects/wire/anthropic-wire.ts';
import { observeOpenaiStream } from '../../dialects/wire/openai-wire.ts';
import { createStreamTap, stripUsageEvents } from './stream-tap.ts';

const content = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}\n\n';
const usage =
  'data: {"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n';
const done = 'data: [DONE]\n\n';

test('stripping drops only the usage chunk, keeps order and the terminator; the observer still sees it', () => {
  const observer = observeOpenaiStream();
  const tap = createStreamTap(observer, stripUsageEvents);
  assert.equal(tap.push(content + usage + done), content + done);
  assert.equal(tap.end(), '');
  assert.deepEqual(observer.usage(), { inputTokens: 5, outputTokens: 2 });
  assert.equal(observer.finished(), true);
});

test('whatever the chunk boundaries, the output and the usage are the same', () => {
  const stream = content + content + usage + done;
  for (let cut = 1; cut < stream.length; cut++) {
    const observer = observeOpenaiStream();
    const tap = createStreamTap(observer, stripUsageEvents);
    const out = tap.push(stream.slice(0, cut)) + tap.push(stream.slice(cut)) + tap.end();
    assert.equal(out, content + content + done, `cut at ${cut}`);
    assert.equal(observer.usage()?.outputTokens, 2, `cut at ${cut}`);
  }
});

test('without a transform whole events come back as they are, and everything is observed', () => {
  const observer = observeOpenaiStream();
  const tap = createStreamTap(observer);
  assert.equal(tap.push(content + usage), content + usage);
  assert.equal(tap.passedWhole, true);
  assert.equal(tap.push(done), done);
  assert.equal(observer.finished(), true);
  assert.equal(observer.usage()?.inputTokens, 5);
});

test('CRLF events and a usage-only chunk with spaces are handled', () => {
  const tap = createStreamTap(observeOpenaiStream(), stripUsageEvents);
  const spaced = 'data: {"choices": [ ], "usage": {"prompt_tokens": 1}}\r\n\r\n';
  assert.equal(tap.push(`${spaced}data: [DONE]\r\n\r\n`), 'data: [DONE]\r\n\r\n');
});

test('content chunks that mention usage in their text are kept', () => {
  const tap = createStreamTap(observeOpenaiStream(), stripUsageEvents);
  const text = 'data: {"choices":[{"delta":{"content":"\\"usage\\": {} and \\"choices\\": []"}}]}\n\n';
  assert.equal(tap.push(text), text);
});

test('a last event without its blank line is observed and passed on, closed, at the end', () => {
  const observer = observeOpenaiStream();
  const tap = createStreamTap(observer, stripUsageEvents);
  assert.equal(tap.push('data: [DONE]'), '');
  assert.equal(tap.end(), 'data: [DONE]\n\n');
  assert.equal(tap.cut, false);
  assert.equal(observer.finished(), true);
});

test('a chunk that is whole events, none dropped, passes whole; a held or stripped one does not', () => {
  const tap = createStreamTap(observeOpenaiStream(), stripUsageEvents);
  tap.push(content);
  assert.equal(tap.passedWhole, true);
  tap.push(content.slice(0, 10));
  assert.equal(tap.passedWhole, false, 'part of an event is held');
  tap.push(content.slice(10));
  assert.equal(tap.passedWhole, false, 'it finishes an event held from before');
  tap.push(usage + done);
  assert.equal(tap.passedWhole, false, 'the usage chunk was dropped');
});

test('multi-byte text survives as the same bytes (latin1 in, latin1 out)', () => {
  const tap = createStreamTap(observeOpenaiStream(), stripUsageEvents);
  const utf8 = Buffer.from('data: {"choices":[{"delta":{"content":"héllo – 你好"}}]}\n\n');
  const split = 40;
  const out =
    tap.push(utf8.subarray(0, split).toString('latin1')) +
    tap.push(utf8.subarray(split).toString('latin1')) +
    tap.end();
  assert.deepEqual(Buffer.from(out, 'latin1'), utf8);
});

test('a complete event whose data is not JSON is dropped and counted; the stream goes on', () => {
  const observer = observeOpenaiStream();
  const tap = createStreamTap(observer);
  for (const garbled of [
    'data: {not json\n\n',
    'data: {not json}\n\n',
    'data: {"a":1\r\n\r\n',
    'data: hello\n\n',
  ]) {
    assert.equal(tap.push(content + garbled + content), content + content, garbled);
    assert.equal(tap.passedWhole, false);
  }
  assert.equal(tap.push(done), done);
  assert.equal(tap.malformed, 4);
  assert.equal(observer.finished(), true, 'the terminator after them still counts');
});

test('events that are well-formed pass: several data lines, other lines, comments, [DONE]', () => {
  const tap = createStreamTap(observeOpenaiStream());
  const events = [
    'data: {"a":\ndata: 1}\n\n',
    'data: {"a":1}\nid: 7\n\n',
    ': keep-alive\n\n',
    'event: ping\ndata: {"type":"ping"}\n\n',
    done,
  ];
  for (const e of events) assert.equal(tap.push(e), e, e);
  assert.equal(tap.malformed, 0);
});

test('part of an event left when the transport ends was cut off: never passed on', () => {
  const tap = createStreamTap(observeOpenaiStream());
  assert.equal(tap.push(content + content.slice(0, 30)), content, 'the part waits for its rest');
  assert.equal(tap.end(), '');
  assert.equal(tap.cut, true);
  const name = createStreamTap(observeOpenaiStream());
  name.push('event: message_st');
  assert.equal(name.end(), '');
  assert.equal(name.cut, true, 'an event line without data is cut too');
});

test('an Anthropic stream: malformed events dropped, the rest observed', () => {
  const observer = observeAnthropicStream();
  const tap = createStreamTap(observer);
  const start =
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\n';
  const broken = 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"x"\n\n';
  const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
  assert.equal(tap.push(start + broken + stop), start + stop);
  assert.equal(tap.malformed, 1);
  assert.equal(observer.finished(), true);
  assert.equal(observer.usage()?.inputTokens, 3);
});
