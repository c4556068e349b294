import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isJson, OBJECT_VALUE, STRING_VALUE, scanJson, topLevelKeyCount } from './json-check.ts';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const chunk =
  '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"H\\u00e9llo \\"you\\"\\n"},"logprobs":null,"finish_reason":null}],"usage":{"prompt_tokens":12,"completion_tokens":-3.5e+2,"x":[true,false,[],{}]}}';

test('agrees with JSON.parse on valid and broken texts', () => {
  const cases = [
    chunk,
    '{}',
    '[]',
    '0',
    '-0.5E-3',
    '"a"',
    ' { "a" : [ 1 , 2 ] } ',
    'true',
    'null',
    '{not json',
    '{not json}',
    '{"a":1',
    '{"a":1}}',
    '{"a":1,}',
    '[1,]',
    '[,1]',
    '{"a" 1}',
    '{a:1}',
    "{'a':1}",
    '01',
    '1.',
    '.5',
    '1e',
    '-',
    '"\\x"',
    '"\\u12g4"',
    '"tab\there"',
    'nul',
    'truex',
    '{"a":NaN}',
    '',
    '   ',
    '{"a":"b"}{"a":"c"}',
    '{"a":"b{"a":"c"}',
  ];
  for (const text of cases) assert.equal(isJson(text), parses(text), JSON.stringify(text));
});

test('agrees with JSON.parse on every truncation and many mutations of a real chunk', () => {
  for (let end = 0; end <= chunk.length; end++) {
    const text = chunk.slice(0, end);
    assert.equal(isJson(text), parses(text), `cut at ${end}`);
  }
  // A fixed pseudo-random sequence, so a failure is reproducible.
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const alphabet = '{}[]":,.-+eE0123456789 \\truefalsnl\tx';
  for (let n = 0; n < 20_000; n++) {
    const at = Math.floor(random() * chunk.length);
    const ch = alphabet[Math.floor(random() * alphabet.length)]!;
    const text =
      random() < 0.5
        ? chunk.slice(0, at) + ch + chunk.slice(at + 1)
        : chunk.slice(0, at) + ch + chunk.slice(at);
    assert.equal(isJson(text), parses(text), JSON.stringify(text));
  }
});

test('a range of a longer text is checked on its own', () => {
  const event = `data: ${chunk}\n\n`;
  assert.equal(isJson(event, 6, 6 + chunk.length), true);
  assert.equal(isJson(event, 6, 6 + chunk.length - 1), false);
});

test('UTF-8 read as latin1 stays valid inside strings, and invalid outside them', () => {
  const latin1 = Buffer.from('{"content":"héllo – 你好"}').toString('latin1');
  assert.equal(isJson(latin1), true);
  assert.equal(isJson(Buffer.from('{"a":1}é').toString('latin1')), false);
});

test('deep nesting beyond its own stack falls back to the parser', () => {
  const deep = `${'['.repeat(300)}1${']'.repeat(300)}`;
  assert.equal(isJson(deep), true);
  assert.equal(isJson(deep.slice(0, -1)), false);
});

test('a range ending inside a number is read only up to its end', () => {
  assert.equal(isJson('0.5', 0, 1), true);
  assert.equal(isJson('1e5', 0, 1), true);
  assert.equal(isJson('-5', 0, 1), false);
  assert.equal(isJson('12', 0, 1), true);
});

test('watched keys are found also in texts the parser judges (tabs, newlines between tokens)', () => {
  const watch = [
    { name: 'usage', opens: OBJECT_VALUE },
    { name: 'finish_reason', opens: STRING_VALUE },
  ];
  const compact = '{"choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":1}}';
  const spread = '{"choices":[{"finish_reason":\n"stop"}],\t"usage":{"prompt_tokens":1}}';
  assert.equal(scanJson(compact, 0, compact.length, watch), 3);
  assert.equal(scanJson(spread, 0, spread.length, watch), 3);
  const nulls = '{"choices":[{"finish_reason":null}],\n"usage":null}';
  assert.equal(scanJson(nulls, 0, nulls.length, watch), 0);
});

test('top-level keys are counted, nested ones and string values are not', () => {
  assert.equal(topLevelKeyCount('{"model":"a"}', 'model'), 1);
  assert.equal(topLevelKeyCount('{"model":"a", "model" : "b"}', 'model'), 2);
  assert.equal(topLevelKeyCount('{"model":"model","x":{"model":1},"y":["model"]}', 'model'), 1);
  assert.equal(topLevelKeyCount('{"m":"\\"model\\": 2"}', 'model'), 0);
  assert.equal(topLevelKeyCount('{}', 'model'), 0);
});
