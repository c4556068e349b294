import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeUnitsOf } from './code-units.ts';
import { minifyJson } from './json-minify.ts';
import { scanJson } from './json-scan.ts';
import { NUMBER, type ScannedArray, STRING } from './scanned-array.ts';

const itemTexts = (text: string, a: ScannedArray) =>
  Array.from({ length: a.length }, (_, k) => text.slice(a.itemStart[k], a.itemEnd[k]));

/** Item k's members as [key, kind, value text]. */
function membersOf(text: string, a: ScannedArray, k: number): [string, number, string][] {
  const members: [string, number, string][] = [];
  for (let m = a.firstMember[k]!; m < a.firstMember[k + 1]!; m++)
    members.push([a.keys[a.memberKey[m]!]!, a.memberKind[m]!, text.slice(a.memberStart[m], a.memberEnd[m])]);
  return members;
}

test('scan: the root array items and the members of each object item, as spans of the text', () => {
  const text = '[ {"id": 1, "name": "a"}, {"id": 2, "name": "b\\"q"} ]';
  const scan = scanJson(text)!;
  assert.equal(scan.arrays.length, 1);
  const array = scan.arrays[0]!;
  assert.deepEqual(itemTexts(text, array), ['{"id": 1, "name": "a"}', '{"id": 2, "name": "b\\"q"}']);
  assert.deepEqual(membersOf(text, array, 1), [
    ['id', NUMBER, '2'],
    ['name', STRING, '"b\\"q"'],
  ]);
  assert.equal(scan.spaced, true);
});

test('scan: arrays directly under the root object are found with their key', () => {
  const scan = scanJson('{"total":3,"results":[1,2,3],"deep":{"x":[4]}}')!;
  assert.deepEqual(
    scan.arrays.map((a) => [a.key, a.length]),
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
  const min = minifyJson(pretty, codeUnitsOf(pretty));
  assert.equal(min, JSON.stringify(value));
  assert.deepEqual(JSON.parse(min), value);
});

test('minify keeps big integers byte for byte (no parse and stringify)', () => {
  const text = '[\n  {"id": 12345678901234567890, "v": 1.10}\n]';
  assert.equal(minifyJson(text, codeUnitsOf(text)), '[{"id":12345678901234567890,"v":1.10}]');
});
