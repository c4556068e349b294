import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeUnitsOf, textOf } from './code-units.ts';

test('code units of a text, a 0 past its end, and back to the same string', () => {
  for (const text of ['', 'plain', 'é ✓ 😀', 'lone \ud800 and \udc00 halves', '\u0000']) {
    const codes = codeUnitsOf(text);
    assert.equal(codes.length, text.length + 1);
    assert.equal(codes[text.length], 0);
    assert.deepEqual(
      Array.from(codes.subarray(0, text.length)),
      Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)),
    );
    assert.equal(textOf(codes, 0, text.length), text);
  }
});
