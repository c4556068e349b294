// Tests for the cheap JSON peeks: finding an object-valued field without parsing the whole text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  hasObjectField,
  isRecord,
  lastObjectField,
  lastObjectFieldIn,
  numberField,
  tryParseJson,
} from './json-peek.ts';

describe('hasObjectField', () => {
  test('finds a field whose value is an object', () => {
    assert.equal(hasObjectField('{"choices":[],"usage":{"prompt_tokens":1}}', 'usage'), true);
  });

  test('accepts spaces around the colon', () => {
    for (const text of ['{"usage":{}}', '{"usage": {}}', '{"usage" :{}}', '{"usage"  :   {}}']) {
      assert.equal(hasObjectField(text, 'usage'), true, text);
    }
  });

  test('accepts any JSON whitespace around the colon', () => {
    for (const text of ['{"usage":\n{}}', '{"usage":\t{}}', '{"usage"\r\n:\r\n{}}']) {
      assert.equal(hasObjectField(text, 'usage'), true, JSON.stringify(text));
    }
  });

  test('is false for a null or non-object value', () => {
    for (const text of [
      '{"usage":null}',
      '{"usage": null}',
      '{"usage":[]}',
      '{"usage":"{}"}',
      '{"usage":1}',
    ]) {
      assert.equal(hasObjectField(text, 'usage'), false, text);
    }
  });

  test('is false when the name is only a string value or part of a longer key', () => {
    assert.equal(hasObjectField('{"type":"usage","x":{}}', 'usage'), false);
    assert.equal(hasObjectField('{"usage_note":{}}', 'usage'), false);
    assert.equal(hasObjectField('{"prev_usage":{}}', 'usage'), false);
    assert.equal(hasObjectField('{"a":1}', 'usage'), false);
    assert.equal(hasObjectField('', 'usage'), false);
  });

  test('is false when text merely mentions the field inside a string', () => {
    const text = JSON.stringify({ content: 'the "usage": {"prompt_tokens": 5} field', usage: null });
    assert.equal(hasObjectField(text, 'usage'), false);
  });

  test('finds a later object after an earlier null', () => {
    assert.equal(hasObjectField('{"usage":null,"x_groq":{"usage":{"prompt_tokens":3}}}', 'usage'), true);
  });
});

describe('lastObjectField', () => {
  test('parses the object of the field alone', () => {
    const text =
      '{"id":"x","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}';
    assert.deepEqual(lastObjectField(text, 'usage'), { prompt_tokens: 3, completion_tokens: 1 });
  });

  test('keeps nested objects whole', () => {
    const text = '{"usage":{"prompt_tokens":9,"prompt_tokens_details":{"cached_tokens":4},"x":{"y":{}}}}';
    assert.deepEqual(lastObjectField(text, 'usage'), {
      prompt_tokens: 9,
      prompt_tokens_details: { cached_tokens: 4 },
      x: { y: {} },
    });
  });

  test('is not fooled by braces inside strings', () => {
    const text = '{"usage":{"note":"a } b { c }}","prompt_tokens":2}}';
    assert.deepEqual(lastObjectField(text, 'usage'), { note: 'a } b { c }}', prompt_tokens: 2 });
  });

  test('is not fooled by escaped quotes inside strings', () => {
    const usage = { note: 'say "}" then \\', prompt_tokens: 7 };
    const text = JSON.stringify({ usage, tail: 1 });
    assert.deepEqual(lastObjectField(text, 'usage'), usage);
  });

  test('takes the last occurrence', () => {
    const text = '{"a":{"usage":{"n":1}},"usage":{"n":2}}';
    assert.deepEqual(lastObjectField(text, 'usage'), { n: 2 });
  });

  test('skips a trailing null and finds the object before it', () => {
    const text = '{"x_groq":{"usage":{"n":1}},"usage":null}';
    assert.deepEqual(lastObjectField(text, 'usage'), { n: 1 });
  });

  test('is undefined when the field is null, missing or not an object', () => {
    assert.equal(lastObjectField('{"usage":null}', 'usage'), undefined);
    assert.equal(lastObjectField('{"other":{}}', 'usage'), undefined);
    assert.equal(lastObjectField('{"usage":[1,2]}', 'usage'), undefined);
    assert.equal(lastObjectField('', 'usage'), undefined);
  });

  test('accepts spaces and newlines around the colon (pretty-printed JSON)', () => {
    const pretty = JSON.stringify({ id: 'x', usage: { prompt_tokens: 5, completion_tokens: 6 } }, null, 2);
    assert.deepEqual(lastObjectField(pretty, 'usage'), { prompt_tokens: 5, completion_tokens: 6 });
    assert.deepEqual(lastObjectField('{"usage" : {"n":1}}', 'usage'), { n: 1 });
    assert.deepEqual(lastObjectField('{"usage"\n:\n{"n":1}}', 'usage'), { n: 1 });
  });

  test('accepts tabs and CRLF around the colon', () => {
    assert.deepEqual(lastObjectField('{"usage":\t{"n":1}}', 'usage'), { n: 1 });
    assert.deepEqual(lastObjectField('{"usage":\r\n  {"n":1}}', 'usage'), { n: 1 });
  });

  test('ignores text that merely mentions the field inside a string', () => {
    const text = JSON.stringify({
      content: 'see "usage": {"prompt_tokens": 99}',
      usage: { prompt_tokens: 1 },
    });
    assert.deepEqual(lastObjectField(text, 'usage'), { prompt_tokens: 1 });
    const only = JSON.stringify({ content: 'see "usage": {"prompt_tokens": 99}' });
    assert.equal(lastObjectField(only, 'usage'), undefined);
  });

  test('is undefined for a cut-off object', () => {
    assert.equal(lastObjectField('{"usage":{"prompt_tokens":3,"comp', 'usage'), undefined);
  });

  test('falls back to an earlier complete object when the last one is cut off', () => {
    assert.deepEqual(lastObjectField('{"a":{"usage":{"n":1}},"usage":{"n":', 'usage'), { n: 1 });
  });

  test('finds the field at the very start of the text', () => {
    assert.deepEqual(lastObjectField('"usage":{"n":1}', 'usage'), { n: 1 });
  });
});

describe('small JSON helpers', () => {
  test('tryParseJson gives undefined instead of throwing', () => {
    assert.deepEqual(tryParseJson('{"a":1}'), { a: 1 });
    assert.equal(tryParseJson('{"a":'), undefined);
    assert.equal(tryParseJson(''), undefined);
  });

  test('isRecord is true for plain objects only', () => {
    assert.equal(isRecord({}), true);
    assert.equal(isRecord([]), false);
    assert.equal(isRecord(null), false);
    assert.equal(isRecord('x'), false);
  });

  test('numberField takes finite non-negative numbers only', () => {
    const obj = { a: 3, b: -1, c: '3', d: Number.NaN, e: 0, f: Number.POSITIVE_INFINITY };
    assert.equal(numberField(obj, 'a'), 3);
    assert.equal(numberField(obj, 'e'), 0);
    for (const name of ['b', 'c', 'd', 'f', 'missing']) assert.equal(numberField(obj, name), undefined, name);
  });
});

test('the work is bounded: only the last few candidates are tried, each within 64 KB', () => {
  // Sixteen unclosed `"usage":{` after the real one: the real one is past the bound and not looked at.
  const unclosed = (n: number) => '{"usage":{"a":['.repeat(n);
  const behind = Buffer.from(`{"usage":{"prompt_tokens":3},"tail":[${unclosed(16)}`);
  assert.equal(lastObjectFieldIn(behind, 'usage'), undefined);
  const fewer = Buffer.from(`{"usage":{"prompt_tokens":3},"tail":[${unclosed(15)}`);
  assert.deepEqual(lastObjectFieldIn(fewer, 'usage'), { prompt_tokens: 3 });
  assert.deepEqual(lastObjectField(fewer.toString('latin1'), 'usage'), { prompt_tokens: 3 });
  const huge = `{"usage":{"note":"${'n'.repeat(70_000)}"}}`;
  assert.equal(lastObjectField(huge, 'usage'), undefined, 'an object over 64 KB is not a usage object');
  const real = Buffer.from(`{"x":"${'y'.repeat(100_000)}","usage":{"prompt_tokens":3}}`);
  assert.deepEqual(lastObjectFieldIn(real, 'usage'), { prompt_tokens: 3 });
});
