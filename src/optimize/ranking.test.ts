import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BestFirst, inOrder } from './ranking.ts';

function drain(ranking: { next(): number }): number[] {
  const out: number[] = [];
  for (let i = ranking.next(); i >= 0; i = ranking.next()) out.push(i);
  return out;
}

test('best first hands out items by score, ties by index, as a full sort would', () => {
  const scores = new Float64Array(200);
  const items: number[] = [];
  for (let i = 0; i < 200; i++) {
    if (i % 3 === 0) continue;
    scores[i] = (i * 37) % 11; // many ties
    if (scores[i]! > 0) items.push(i);
  }
  const sorted = [...items].sort((a, b) => scores[b]! - scores[a]! || a - b);
  assert.deepEqual(drain(new BestFirst(Int32Array.from(items), items.length, scores)), sorted);
  assert.deepEqual(drain(new BestFirst(new Int32Array(0), 0, scores)), []);
});

test('a sorted list is handed out as it is', () => {
  assert.deepEqual(
    drain(
      inOrder([
        { index: 4, score: 2 },
        { index: 1, score: 1 },
      ]),
    ),
    [4, 1],
  );
});
