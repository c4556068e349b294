// SentRing against a Map of the same sends: answers in any order, growth, sends older than the
// span kept aside (and forgotten only past their own bound), drops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SentRing } from './sent-ring.ts';

/** A small seeded generator, so a failure repeats. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

test('answers out of order, amounts corrected, and the ring grows without losing a send', () => {
  const ring = new SentRing(16_384, 10_000, 4);
  for (let seq = 0; seq < 10; seq++) ring.add(seq, seq * 10, seq);
  assert.equal(ring.size, 10);
  assert.equal(ring.remove(3), 30);
  assert.equal(ring.remove(3), undefined, 'once');
  assert.equal(ring.remove(0), 0);
  ring.setAmount(5, 7);
  assert.equal(ring.amountOf(5), 7);
  ring.setAmount(3, 99);
  assert.equal(ring.amountOf(3), undefined, 'a removed send is not brought back');
  for (let seq = 10; seq < 200; seq++) ring.add(seq, 1, seq);
  assert.equal(ring.amountOf(9), 90, 'kept through growth');
  assert.equal(ring.size, 198);
});

test('a send older than the span is kept aside and answered as before; past that bound it is forgotten', () => {
  const ring = new SentRing(8, 2, 2);
  ring.add(1, 5, 0);
  ring.add(2, 6, 0);
  ring.remove(2);
  ring.add(9, 7, 0);
  assert.equal(ring.amountOf(1), 5, '1 is more than 8 numbers behind 9: kept aside');
  ring.setAmount(1, 4);
  assert.equal(ring.size, 2);
  assert.equal(ring.remove(1), 4, 'answered from aside, with its corrected amount');
  assert.equal(ring.size, 1);
  ring.add(20, 1, 0);
  ring.add(30, 1, 0);
  ring.add(40, 1, 0);
  assert.equal(ring.amountOf(9), undefined, 'aside holds 2 at most: the oldest is forgotten');
  assert.deepEqual(
    [20, 30, 40].map((s) => ring.amountOf(s)),
    [1, 1, 1],
  );
  for (const s of [20, 30, 40]) ring.remove(s);
  assert.equal(ring.size, 0);
  ring.add(100, 1, 0);
  assert.equal(ring.size, 1, 'an empty ring starts over anywhere');
});

test('dropBefore lets go of older sends and sums the rest', () => {
  const ring = new SentRing(1024, 10);
  ring.add(1, 2, 100);
  ring.add(2, 3, 200);
  ring.add(4, 4, 300);
  ring.remove(2);
  assert.equal(ring.dropBefore(150), 4);
  assert.equal(ring.amountOf(1), undefined);
  assert.equal(ring.amountOf(4), 4);
  assert.equal(ring.size, 1);
});

test('random sends and answers agree with a Map of the same', () => {
  const random = seeded(42);
  const ring = new SentRing(16_384, 10_000, 2);
  const model = new Map<number, number>();
  let seq = 0;
  for (let step = 0; step < 20_000; step++) {
    if (random() < 0.52 || model.size === 0) {
      seq += 1 + Math.floor(random() * 3);
      const amount = Math.floor(random() * 100);
      ring.add(seq, amount, step);
      model.set(seq, amount);
    } else {
      // Usually an early one (answers come roughly in order), sometimes any.
      const held = [...model.keys()];
      const pick =
        held[
          random() < 0.8
            ? Math.floor(random() * Math.min(5, held.length))
            : Math.floor(random() * held.length)
        ]!;
      assert.equal(ring.remove(pick), model.get(pick));
      model.delete(pick);
    }
    assert.equal(ring.size, model.size);
  }
  for (const [s, amount] of model) assert.equal(ring.amountOf(s), amount);
});
