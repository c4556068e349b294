import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentWords, embeddingJson, vectorFor } from './embeddings.ts';

function cosine(a: string, b: string, dims = 1536): number {
  const x = vectorFor(a, dims);
  const y = vectorFor(b, dims);
  let dot = 0;
  for (let i = 0; i < dims; i++) dot += x[i]! * y[i]!;
  return dot;
}

const FRANCE = 'What is the capital of France?';

test('paraphrases of one question are close', () => {
  assert.ok(cosine(FRANCE, 'Tell me the capital city of France') >= 0.8);
  assert.ok(cosine('How do I bake sourdough bread?', 'Baking sourdough bread') >= 0.8);
  assert.ok(cosine(FRANCE, 'capital of france') > 0.99, 'case and stop words do not count');
});

test('unrelated texts are far apart, and a different subject lowers the similarity', () => {
  assert.ok(cosine(FRANCE, 'How do I bake sourdough bread?') <= 0.3);
  assert.ok(cosine(FRANCE, 'Write a haiku about autumn leaves') <= 0.3);
  assert.ok(cosine(FRANCE, 'What is the capital of Germany?') < 0.8);
});

test('equal texts give identical unit vectors', () => {
  const a = vectorFor(FRANCE, 1536);
  assert.deepEqual(a, vectorFor(FRANCE, 1536));
  let norm = 0;
  for (const value of a) norm += value * value;
  assert.ok(Math.abs(norm - 1) < 1e-6);
});

test('a text with no content words is still a fixed unit vector', () => {
  const empty = vectorFor('', 8);
  assert.deepEqual(Array.from(empty), [1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(vectorFor('What is it?', 8), empty);
});

test('words are lowercased, split on anything but letters and digits, stemmed crudely', () => {
  assert.deepEqual(contentWords('Baking, baked; BAKES bake!'), ['bak', 'bak', 'bak', 'bak']);
  assert.deepEqual(contentWords('the class of 2024 is on'), ['class', '2024']);
  assert.deepEqual(contentWords('bus is red'), ['bus', 'red'], 'short words keep their ends');
});

test('dimensions and base64 are honoured', () => {
  const floats = JSON.parse(embeddingJson({ input: ['bread', FRANCE], dimensions: 64 }, 'm', 3));
  assert.equal(floats.data.length, 2);
  assert.equal(floats.data[1].embedding.length, 64);
  const encoded = JSON.parse(embeddingJson({ input: FRANCE, encoding_format: 'base64' }, 'm', 3));
  const bytes = Buffer.from(encoded.data[0].embedding, 'base64');
  const decoded = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  assert.deepEqual(decoded, vectorFor(FRANCE, 1536));
});
