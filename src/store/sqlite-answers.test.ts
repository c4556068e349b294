// Cached answers in a SQLite file: every field comes back as it went in, they survive a restart
// with their sizes, and whatever the LRU lets go of (a smaller bound, expiry, a clear) leaves the
// file too, which a later open of the same file shows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { AnswerBounds } from '../cache/memory-answers.ts';
import { answerSize, type StoredAnswer } from '../cache/stored-answer.ts';
import { SqliteAnswers } from './sqlite-answers.ts';

const dir = mkdtempSync(join(tmpdir(), 'cooldown-answers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A file of its own per test, in a folder that does not exist yet. */
const freshPath = () => join(dir, `t${++files}`, 'state.db');

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
    usage: undefined,
    ...rest,
  };
}

const SIZE = answerSize(answer());
const ROOMY: AnswerBounds = { maxBytes: SIZE * 100, maxEntryBytes: SIZE * 10, maxEntries: 100 };

/** Opens the file, runs `fn` on it, closes it. */
function withStore<T>(path: string, fn: (s: SqliteAnswers) => T, bounds = ROOMY, now = 0): T {
  const s = new SqliteAnswers(path, bounds, now);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

const kept = (s: SqliteAnswers, keys: readonly string[], now = 0) =>
  keys.filter((k) => s.get(k, now) !== undefined);

describe('SqliteAnswers', () => {
  test('every field comes back as it was put, usage or none, binary bodies byte for byte', () => {
    const path = freshPath();
    const stream = answer({
      status: 203,
      headers: ['content-type', 'text/event-stream', 'openai-model', 'gpt-4o-mini-2024-07-18'],
      body: Buffer.from([0x00, 0xff, 0x0a, 0x64, 0x61, 0x74, 0x61, 0x80, 0x00]),
      stream: true,
      storedAt: 1234,
      expiresAt: 5678,
      upstream: 'anthropic',
      model: 'claude-haiku-4-5',
      usage: { inputTokens: 11, outputTokens: 22, cachedInputTokens: 3, cacheWriteTokens: 4 },
    });
    const whole = answer({ usage: undefined, stream: false, headers: [] });
    withStore(path, (s) => {
      s.put('stream', stream);
      s.put('whole', whole);
      assert.deepEqual(s.get('stream', 0), stream);
      assert.deepEqual(s.get('whole', 0), whole);
      assert.equal(s.get('whole', 0)?.usage, undefined);
      assert.equal(s.get('missing', 0), undefined);
    });
    // And from the file alone, after a restart.
    withStore(path, (s) => {
      const back = s.get('stream', 0);
      assert.deepEqual(back, stream);
      assert.ok(Buffer.isBuffer(back?.body));
      assert.deepEqual(s.get('whole', 0), whole);
    });
  });

  test('a new instance on the same file has the entries and their sizes', () => {
    const path = freshPath();
    const sizes = withStore(path, (s) => {
      s.put('a', answer({ bytes: 10, storedAt: 1 }));
      s.put('b', answer({ bytes: 700, storedAt: 2, headers: ['etag', '"v1"'] }));
      s.put('c', answer({ bytes: 3, storedAt: 3, model: 'a-longer-model-name' }));
      return { entries: s.entries, bytes: s.bytes };
    });
    assert.equal(sizes.entries, 3);
    withStore(path, (s) => {
      assert.deepEqual({ entries: s.entries, bytes: s.bytes }, sizes);
      assert.deepEqual(kept(s, ['a', 'b', 'c']), ['a', 'b', 'c']);
    });
  });

  test('reopened under a smaller bound it keeps the newest that fit and deletes the rest from the file', () => {
    const path = freshPath();
    withStore(path, (s) => {
      // Put out of order: what counts is when each was stored.
      s.put('second', answer({ storedAt: 2 }));
      s.put('first', answer({ storedAt: 1 }));
      s.put('fourth', answer({ storedAt: 4 }));
      s.put('third', answer({ storedAt: 3 }));
      assert.equal(s.entries, 4);
    });
    const keys = ['first', 'second', 'third', 'fourth'];
    withStore(
      path,
      (s) => {
        assert.equal(s.entries, 2);
        assert.ok(s.bytes <= SIZE * 2);
        assert.deepEqual(kept(s, keys), ['third', 'fourth']);
      },
      { ...ROOMY, maxBytes: SIZE * 2 },
    );
    // A roomy third open: the two that did not fit are gone from the file, not only from memory.
    withStore(path, (s) => {
      assert.equal(s.entries, 2);
      assert.deepEqual(kept(s, keys), ['third', 'fourth']);
    });
  });

  test('reopened under a smaller count it keeps the newest and deletes the rest', () => {
    const path = freshPath();
    withStore(path, (s) => {
      for (let i = 1; i <= 4; i++) s.put(`k${i}`, answer({ storedAt: i }));
    });
    withStore(path, (s) => assert.equal(s.entries, 1), { ...ROOMY, maxEntries: 1 });
    withStore(path, (s) => assert.deepEqual(kept(s, ['k1', 'k2', 'k3', 'k4']), ['k4']));
  });

  test('rows expired by a later open are gone from the file', () => {
    const path = freshPath();
    withStore(path, (s) => {
      s.put('short', answer({ expiresAt: 100 }));
      s.put('long', answer({ expiresAt: 1000 }));
    });
    withStore(path, (s) => assert.deepEqual(kept(s, ['short', 'long'], 500), ['long']), ROOMY, 100);
    // Opened as if earlier again: had the row stayed in the file, it would be fresh here.
    withStore(path, (s) => {
      assert.equal(s.entries, 1);
      assert.deepEqual(kept(s, ['short', 'long'], 0), ['long']);
    });
  });

  test('a get at the expiry answers undefined and drops the row', () => {
    const path = freshPath();
    withStore(path, (s) => {
      s.put('a', answer({ expiresAt: 100 }));
      assert.ok(s.get('a', 99));
      assert.equal(s.get('a', 100), undefined);
      assert.equal(s.entries, 0);
    });
    withStore(path, (s) => assert.equal(s.entries, 0));
  });

  test('sweep removes expired rows only, from memory and from the file', () => {
    const path = freshPath();
    withStore(path, (s) => {
      s.put('old', answer({ expiresAt: 100 }));
      s.put('edge', answer({ expiresAt: 200 }));
      s.put('new', answer({ expiresAt: 300 }));
      s.sweep(200);
      assert.equal(s.entries, 1);
      assert.equal(s.bytes, SIZE);
    });
    withStore(path, (s) => {
      assert.equal(s.entries, 1);
      assert.deepEqual(kept(s, ['old', 'edge', 'new']), ['new']);
    });
  });

  test('an entry over maxEntryBytes is not stored, nor written to the file', () => {
    const path = freshPath();
    const bounds = { ...ROOMY, maxEntryBytes: SIZE };
    withStore(
      path,
      (s) => {
        s.put('fits', answer());
        s.put('big', answer({ bytes: 101 }));
        assert.equal(s.get('big', 0), undefined);
        assert.equal(s.entries, 1);
        assert.equal(s.bytes, SIZE);
      },
      bounds,
    );
    // Roomy now: a row written anyway would load.
    withStore(path, (s) => assert.deepEqual(kept(s, ['fits', 'big']), ['fits']));
  });

  test('a too-big newer answer under a kept key removes the old one from the file too', () => {
    const path = freshPath();
    const bounds = { ...ROOMY, maxEntryBytes: SIZE };
    withStore(
      path,
      (s) => {
        s.put('k', answer());
        s.put('k', answer({ bytes: 5000 }));
        assert.equal(s.entries, 0);
      },
      bounds,
    );
    withStore(path, (s) => assert.equal(s.get('k', 0), undefined));
  });

  test('room made for a new entry is taken from the file as well', () => {
    const path = freshPath();
    withStore(
      path,
      (s) => {
        for (const [i, k] of ['a', 'b', 'c'].entries()) s.put(k, answer({ storedAt: i }));
        assert.ok(s.get('a', 0), 'read: now the most recently used');
        s.put('d', answer({ storedAt: 3 }));
        assert.deepEqual(kept(s, ['a', 'b', 'c', 'd']), ['a', 'c', 'd']);
      },
      { ...ROOMY, maxBytes: SIZE * 3 },
    );
    withStore(path, (s) => assert.deepEqual(kept(s, ['a', 'b', 'c', 'd']), ['a', 'c', 'd']));
  });

  test('clear with a filter removes its rows from the file, and an empty one removes all', () => {
    const path = freshPath();
    const all = ['o1', 'o2', 'a1'];
    withStore(path, (s) => {
      s.put('o1', answer({ upstream: 'openai', model: 'gpt-4o' }));
      s.put('o2', answer({ upstream: 'openai', model: 'gpt-4o-mini' }));
      s.put('a1', answer({ upstream: 'anthropic', model: 'gpt-4o' }));
      assert.equal(s.clear({ upstream: 'openai', model: 'gpt-4o' }), 1);
      assert.equal(s.clear({ upstream: 'anthropic' }), 1);
      assert.equal(s.entries, 1);
    });
    withStore(path, (s) => {
      assert.deepEqual(kept(s, all), ['o2']);
      assert.equal(s.clear({ model: 'nothing-kept' }), 0);
      assert.equal(s.clear({}), 1);
    });
    withStore(path, (s) => assert.equal(s.entries, 0));
  });
});
