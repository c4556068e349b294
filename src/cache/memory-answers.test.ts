// The memory answer store: an LRU weighed in bytes, least recently used out first, with bounds per
// entry and in count, answers that expire at their instant, and clears by upstream and model.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AnswerBounds, MemoryAnswers } from './memory-answers.ts';
import { answerSize, type StoredAnswer } from './stored-answer.ts';

function answer(over: Partial<StoredAnswer> & { bytes?: number } = {}): StoredAnswer {
  const { bytes = 100, ...rest } = over;
  return {
    status: 200,
    headers: ['content-type', 'application/json'],
    body: Buffer.alloc(bytes, 0x61),
    stream: false,
    storedAt: 0,
    expiresAt: 1_000_000,
    upstream: 'openai',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 3, outputTokens: 4 },
    ...rest,
  };
}

/** Every entry the same size, so bounds read as "room for N". */
const SIZE = answerSize(answer());

const store = (over: Partial<AnswerBounds> = {}) =>
  new MemoryAnswers({ maxBytes: SIZE * 3, maxEntryBytes: SIZE * 3, maxEntries: 100, ...over });

const kept = (s: MemoryAnswers, keys: readonly string[], now = 0) =>
  keys.filter((k) => s.get(k, now) !== undefined);

describe('MemoryAnswers bounded by bytes', () => {
  test('past maxBytes the least recently put goes first when nothing was read', () => {
    const s = store();
    for (const k of ['a', 'b', 'c', 'd']) s.put(k, answer());
    assert.deepEqual(kept(s, ['a', 'b', 'c', 'd']), ['b', 'c', 'd']);
    assert.equal(s.entries, 3);
    assert.equal(s.bytes, SIZE * 3);
  });

  test('a get refreshes recency: the entry read survives and the least recently used goes', () => {
    const s = store();
    for (const k of ['a', 'b', 'c']) s.put(k, answer());
    assert.ok(s.get('a', 0));
    s.put('d', answer());
    assert.equal(s.get('b', 0), undefined);
    assert.deepEqual(kept(s, ['a', 'c', 'd']), ['a', 'c', 'd']);
  });

  test('bytes never exceed the bound while entries of mixed sizes keep coming', () => {
    const maxBytes = 5000;
    const s = store({ maxBytes, maxEntryBytes: maxBytes });
    const sizes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = answer({ bytes: (i * 37) % 1500 });
      s.put(`k${i}`, a);
      sizes.push(answerSize(a));
      assert.ok(s.bytes <= maxBytes, `after ${i + 1} puts ${s.bytes} bytes`);
      assert.ok(s.get(`k${i}`, 0), 'the newest entry fits, so it is kept');
    }
    // What is left is the newest run of entries, weighed exactly.
    const newest = sizes.slice(-s.entries).reduce((a, b) => a + b, 0);
    assert.equal(s.bytes, newest);
    assert.ok(s.entries > 1);
  });

  test('an entry over maxEntryBytes is not kept and pushes nothing out; one at the bound is', () => {
    const s = store({ maxBytes: SIZE * 10, maxEntryBytes: SIZE + 50 });
    s.put('small', answer());
    s.put('big', answer({ bytes: 151 }));
    assert.equal(s.get('big', 0), undefined);
    assert.equal(s.entries, 1);
    assert.equal(s.bytes, SIZE);
    s.put('edge', answer({ bytes: 150 }));
    assert.ok(s.get('edge', 0));
    assert.ok(s.get('small', 0));
  });

  test('an entry larger than the whole store is not kept even when maxEntryBytes allows it', () => {
    const s = store({ maxBytes: SIZE, maxEntryBytes: SIZE * 10 });
    s.put('a', answer());
    s.put('huge', answer({ bytes: 5000 }));
    assert.equal(s.get('huge', 0), undefined);
    assert.ok(s.get('a', 0));
  });

  test('maxEntries bounds the count whatever the sizes', () => {
    const s = store({ maxBytes: SIZE * 100, maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) s.put(k, answer({ bytes: 1 }));
    assert.equal(s.entries, 2);
    assert.deepEqual(kept(s, ['a', 'b', 'c']), ['b', 'c']);
  });

  test('putting under a kept key replaces it and its weight', () => {
    const s = store();
    s.put('a', answer({ bytes: 10 }));
    s.put('a', answer({ bytes: 20, status: 201 }));
    assert.equal(s.entries, 1);
    assert.equal(s.bytes, answerSize(answer({ bytes: 20 })));
    assert.equal(s.get('a', 0)?.status, 201);
  });
});

describe('MemoryAnswers expiry', () => {
  test('fresh before expiresAt; at it the get answers undefined and the entry is gone', () => {
    const s = store();
    s.put('a', answer({ expiresAt: 100 }));
    assert.ok(s.get('a', 99));
    assert.equal(s.get('a', 100), undefined);
    assert.equal(s.entries, 0);
    assert.equal(s.bytes, 0);
    assert.equal(s.get('a', 0), undefined, 'removed, not only hidden');
  });

  test('sweep removes the expired entries only', () => {
    const s = store();
    s.put('old', answer({ expiresAt: 100 }));
    s.put('edge', answer({ expiresAt: 150 }));
    s.put('new', answer({ expiresAt: 200 }));
    s.sweep(150);
    assert.equal(s.entries, 1);
    assert.deepEqual(kept(s, ['old', 'edge', 'new']), ['new']);
    s.sweep(199);
    assert.equal(s.entries, 1);
  });
});

describe('MemoryAnswers clear', () => {
  function filled(): MemoryAnswers {
    const s = store({ maxBytes: SIZE * 10 });
    s.put('o1', answer({ upstream: 'openai', model: 'gpt-4o' }));
    s.put('o2', answer({ upstream: 'openai', model: 'gpt-4o-mini' }));
    s.put('a1', answer({ upstream: 'anthropic', model: 'claude-haiku-4-5' }));
    s.put('a2', answer({ upstream: 'anthropic', model: 'gpt-4o' }));
    return s;
  }
  const all = ['o1', 'o2', 'a1', 'a2'];

  test('by upstream', () => {
    const s = filled();
    assert.equal(s.clear({ upstream: 'anthropic' }), 2);
    assert.deepEqual(kept(s, all), ['o1', 'o2']);
  });

  test('by model, across upstreams', () => {
    const s = filled();
    assert.equal(s.clear({ model: 'gpt-4o' }), 2);
    assert.deepEqual(kept(s, all), ['o2', 'a1']);
  });

  test('by upstream and model together', () => {
    const s = filled();
    assert.equal(s.clear({ upstream: 'openai', model: 'gpt-4o' }), 1);
    assert.deepEqual(kept(s, all), ['o2', 'a1', 'a2']);
  });

  test('a filter that names nothing kept removes nothing', () => {
    const s = filled();
    assert.equal(s.clear({ upstream: 'groq' }), 0);
    assert.equal(s.entries, 4);
  });

  test('an empty filter removes all of them', () => {
    const s = filled();
    assert.equal(s.clear({}), 4);
    assert.equal(s.entries, 0);
    assert.equal(s.bytes, 0);
  });
});
