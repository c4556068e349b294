import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SemanticIndex } from './semantic-index.ts';

const close = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-6, `${actual} is not ${expected}`);

test('nearest is the most similar of several, its cosine whatever the lengths', () => {
  const index = new SemanticIndex(8);
  index.add('s', 'east', [1, 0, 0], 'u', 'm');
  index.add('s', 'north-east', [1, 1, 0], 'u', 'm');
  index.add('s', 'up', [0, 0, 5], 'u', 'm');
  const match = index.nearest('s', [2, 1.8, 0]);
  assert.equal(match?.key, 'north-east');
  close(match?.similarity, (2 + 1.8) / (Math.SQRT2 * Math.hypot(2, 1.8)));
  assert.equal(index.nearest('s', [0, 0, 0.1])?.key, 'up');
  close(index.nearest('s', [0, 0, 0.1])?.similarity, 1);
  assert.equal(index.nearest('s', [-1, 0, 0])?.key, 'up', 'the best even when nothing is alike');
});

test('another scope never matches, even with an identical vector', () => {
  const index = new SemanticIndex(4);
  index.add('scope-a', 'a', [1, 2, 3], 'u', 'm');
  assert.equal(index.nearest('scope-b', [1, 2, 3]), undefined);
  index.add('scope-b', 'b', [-1, 0, 0], 'u', 'm');
  assert.equal(index.nearest('scope-b', [1, 2, 3])?.key, 'b');
  assert.equal(index.nearest('scope-a', [1, 2, 3])?.key, 'a');
});

test('full, it evicts the oldest insert and tells the listener', () => {
  const evicted: string[] = [];
  const index = new SemanticIndex(3, 2, (key) => evicted.push(key));
  for (const key of ['k1', 'k2', 'k3']) assert.ok(index.add('s', key, [1, 0], 'u', 'm'));
  assert.deepEqual(evicted, []);
  index.add('s', 'k4', [0, 1], 'u', 'm');
  index.add('s', 'k5', [0, 1], 'u', 'm');
  assert.deepEqual(evicted, ['k1', 'k2']);
  assert.equal(index.size, 3);
  assert.equal(index.capacity, 3);
  assert.equal(index.nearest('s', [1, 0])?.key, 'k3');
  assert.equal(index.remove('k1'), false, 'an evicted key is gone');
});

test('the listener may use the index it is told from', () => {
  let told = 0;
  const index: SemanticIndex = new SemanticIndex(1, 2, () => {
    told++;
    assert.equal(index.size, 1);
    assert.equal(index.nearest('s', [1, 0])?.key, 'new');
  });
  index.add('s', 'old', [1, 0], 'u', 'm');
  index.add('s', 'new', [1, 0], 'u', 'm');
  assert.equal(told, 1);
});

test('a key added again replaces its entry and counts as newest', () => {
  const evicted: string[] = [];
  const index = new SemanticIndex(2, 2, (key) => evicted.push(key));
  index.add('s', 'a', [1, 0], 'u', 'm');
  index.add('s', 'b', [1, 0], 'u', 'm');
  index.add('other', 'a', [0, 1], 'u', 'm');
  assert.equal(index.size, 2);
  assert.deepEqual(evicted, [], 'a replacement needs no room');
  assert.equal(index.nearest('s', [0, 1])?.key, 'b', 'the old vector and scope of "a" are gone');
  assert.equal(index.nearest('other', [0, 1])?.key, 'a');
  index.add('s', 'c', [1, 0], 'u', 'm');
  assert.deepEqual(evicted, ['b']);
});

test('remove and clear by upstream, model, both or neither', () => {
  const index = new SemanticIndex(10);
  index.add('s', 'openai-mini', [1, 0], 'openai', 'mini');
  index.add('s', 'openai-big', [1, 0], 'openai', 'big');
  index.add('s', 'groq-mini', [1, 0], 'groq', 'mini');
  index.add('t', 'groq-big', [1, 0], 'groq', 'big');
  index.add('t', 'other', [1, 0], 'other', 'x');
  assert.equal(index.remove('other'), true);
  assert.equal(index.remove('other'), false);
  assert.equal(index.clear({ upstream: 'openai', model: 'big' }), 1);
  assert.equal(index.clear({ model: 'mini' }), 2);
  assert.equal(index.nearest('s', [1, 0]), undefined);
  assert.equal(index.clear({ upstream: 'openai' }), 0);
  assert.equal(index.size, 1);
  assert.equal(index.clear(), 1);
  assert.equal(index.size, 0);
  assert.equal(index.nearest('t', [1, 0]), undefined);
  for (let i = 0; i < 10; i++) assert.ok(index.add('s', `again-${i}`, [1, 0], 'u', 'm'), 'slots are reused');
});

test('a vector of another length, or with no direction, is refused', () => {
  const index = new SemanticIndex(4);
  assert.equal(index.dims, undefined);
  assert.equal(index.add('s', 'zero', [0, 0, 0], 'u', 'm'), false);
  assert.equal(index.add('s', 'nan', [Number.NaN, 1, 0], 'u', 'm'), false);
  assert.equal(index.dims, undefined, 'a refused vector fixes nothing');
  assert.equal(index.add('s', 'three', new Float32Array([0, 0, 1]), 'u', 'm'), true);
  assert.equal(index.dims, 3);
  assert.equal(index.add('s', 'two', [1, 0], 'u', 'm'), false);
  assert.equal(index.size, 1);
  assert.equal(index.nearest('s', [1, 0]), undefined);
  assert.equal(new SemanticIndex(4, 2).add('s', 'three', [0, 0, 1], 'u', 'm'), false);
  assert.throws(() => new SemanticIndex(0), RangeError);
});
