import assert from 'node:assert/strict';
import { test } from 'node:test';
import { observeOpenaiStream } from '../../dialects/wire/openai-wire.ts';
import { createStreamTap, isMalformedEvent, stripUsageEvents } from './stream-tap.ts';

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

test('without stripping nothing is returned (the caller sends the raw bytes), but everything is observed', () => {
  const observer = observeOpenaiStream();
  const tap = createStreamTap(observer);
  assert.equal(tap.push(content + usage), '');
  assert.equal(tap.push(done), '');
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

test('a last event without its blank line is observed and passed on at the end', () => {
  const observer = observeOpenaiStream();
  const tap = createStreamTap(observer, stripUsageEvents);
  assert.equal(tap.push('data: [DONE]'), '');
  assert.equal(tap.end(), 'data: [DONE]');
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

test('a garbled JSON event is caught by its ends; plain, terminator and whole events are not', () => {
  assert.equal(isMalformedEvent('data: {not json\n\n'), true);
  assert.equal(isMalformedEvent('data: {"a":1\r\n\r\n'), true);
  assert.equal(isMalformedEvent(content), false);
  assert.equal(isMalformedEvent(done), false);
  assert.equal(isMalformedEvent('event: ping\ndata: hello\n\n'), false);
  assert.equal(isMalformedEvent(': keep-alive\n\n'), false);
  assert.equal(isMalformedEvent('data: {"a":1}\nid: 7\n\n'), false, 'a line after the data line');
  assert.equal(isMalformedEvent('data: {"a":\ndata: 1}\n\n'), false, 'JSON over two data lines');
  assert.equal(isMalformedEvent('data: {"a":1\nid: 7\n\n'), true);
});

test('a garbled event stops the tap: what came before it in the push is counted, nothing after', () => {
  const observer = observeOpenaiStream();
  const tap = createStreamTap(observer);
  tap.push(content);
  assert.equal(tap.broken, false);
  tap.push(`${content}data: {garbled\n\n${done}`);
  assert.equal(tap.broken, true);
  assert.equal(tap.brokenAt, content.length);
  assert.equal(tap.passedWhole, false);
  assert.equal(observer.finished(), false, 'the terminator after it is not taken');
});

test('a garbled event that began in an earlier push is marked as partly sent', () => {
  const tap = createStreamTap(observeOpenaiStream());
  tap.push('data: {garb');
  assert.equal(tap.broken, false);
  tap.push('led\n\n');
  assert.equal(tap.broken, true);
  assert.equal(tap.brokenAt, -1);
});
