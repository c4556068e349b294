import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeUnitsOf } from './json/code-units.ts';
import { numberAt } from './numeric-signals.ts';

test('numbers read from the code units are the numbers JSON.parse reads', () => {
  const spellings = ['0', '-0', '7', '-42', '0.1', '0.437', '-3.25', '99.99', '123456789012345', '1.5e3'];
  for (const s of [...spellings, '12345678901234567890', '0.30000000000000004', '1E-7']) {
    const text = ` ${s},`;
    assert.ok(Object.is(numberAt(text, codeUnitsOf(text), 1, 1 + s.length), JSON.parse(s)), s);
  }
});
