import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeenOutputs, sameTexts } from './seen-outputs.ts';

test('texts count as the same when they join (with NUL) to the same string', () => {
  assert.ok(sameTexts(['a', 'b'], ['a', 'b']));
  assert.ok(sameTexts(['a\u0000b'], ['a', 'b']), 'as one joined key would have them');
  assert.ok(!sameTexts(['a', 'b'], ['a', 'c']));
  assert.ok(!sameTexts(['ab'], ['a', 'b']));
});

test('the first output seen with some texts keeps its id; the error flag tells outputs apart', () => {
  const seen = new SeenOutputs();
  seen.add(['x'.repeat(20000)], false, 'call_1');
  seen.add(['x'.repeat(20000)], false, 'call_2');
  seen.add(['y'.repeat(20000)], false, 'call_3');
  assert.equal(seen.idOf(['x'.repeat(20000)], false), 'call_1');
  assert.equal(seen.idOf(['y'.repeat(20000)], false), 'call_3');
  assert.equal(seen.idOf(['x'.repeat(20000)], true), undefined);
  assert.equal(seen.idOf(['x'.repeat(19999)], false), undefined);
});
