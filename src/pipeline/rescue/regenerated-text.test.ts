import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegeneratedText } from './regenerated-text.ts';

test('the rest after the expected text goes on, however the pieces fall', () => {
  const expected = 'Hello wonderful world';
  const answer = `${expected} and more`;
  for (let cut = 1; cut < answer.length; cut++) {
    const r = new RegeneratedText(expected);
    const out = r.take(answer.slice(0, cut)) + r.take(answer.slice(cut));
    assert.equal(out, ' and more', `cut at ${cut}`);
    assert.equal(r.state, 'verified');
  }
});

test('a difference anywhere diverges for good; an early end too; nothing expected is verified at once', () => {
  const r = new RegeneratedText('Hello');
  assert.equal(r.take('Help'), '');
  assert.equal(r.state, 'diverged');
  assert.equal(r.take('lo'), '');
  const short = new RegeneratedText('Hello');
  short.take('Hel');
  short.ended();
  assert.equal(short.state, 'diverged');
  const empty = new RegeneratedText('');
  assert.equal(empty.state, 'verified');
  assert.equal(empty.take('All of it'), 'All of it');
});
