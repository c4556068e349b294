import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minifyJson, scanJson } from './json-scan.ts';

test('scan: the root array items and the members of each object item, as spans of the text', () => {
  const text = '[ {"id": 1, "name": "a"}, {"id": 2, "name": "b\\"q"} ]';
  const scan = scanJson(text)!;
  assert.equal(scan.arrays.length, 1);
  const items = scan.arrays[0]!.items;
  assert.deepEqual(
    items.map((i) => text.slice(i.start, i.end)),
    ['{"id": 1, "name": "a"}', '{"id": 2, "name": "b\\"q"}'],
  );
  assert.deepEqual(
    items[1]!.members!.map((m) => [m.key, m.kind, text.slice(m.start, m.end)]),
    [
      ['id', 'number', '2'],
      ['name', 'string', '"b\\"q"'],
    ],
  );
  assert.equal(scan.spaced, true);
});

test('scan: arrays directly under the root object are found with their key', () => {
  const scan = scanJson('{"total":3,"results":[1,2,3],"deep":{"x":[4]}}')!;
  assert.deepEqual(
    scan.arrays.map((a) => [a.key, a.items.length]),
    [['results', 3]],
  );
  assert.equal(scan.spaced, false);
});

test('scan: text that is not one JSON value is refused', () => {
  for (const text of [
    '[INFO] server started',
    '[1, 2,]',
    '{"a" 1}',
    '{"a":1}}',
    '[1] [2]',
    '["open',
    '[01]',
    '[1.]',
    '{"a":tru}',
    '[1 - 2]',
    '{"a":[1}',
  ]) {
    assert.equal(scanJson(text), undefined, text);
  }
  assert.ok(scanJson('  [-1.5e+3, true, false, null, "x", {}, []]  '));
});

test('minify: lossless, strings (with spaces and escaped quotes) untouched', () => {
  const value = {
    name: 'a  b\n c',
    quote: 'say "hi" \\',
    list: [1, 2.5, -3e2, true, null, { nested: [' x ', {}] }],
    unicode: 'é ✓',
  };
  const pretty = JSON.stringify(value, null, 2);
  const min = minifyJson(pretty);
  assert.equal(min, JSON.stringify(value));
  assert.deepEqual(JSON.parse(min), value);
});

test('minify keeps big integers byte for byte (no parse and stringify)', () => {
  const text = '[\n  {"id": 12345678901234567890, "v": 1.10}\n]';
  assert.equal(minifyJson(text), '[{"id":12345678901234567890,"v":1.10}]');
});
