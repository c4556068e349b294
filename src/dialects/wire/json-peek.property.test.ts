// Property-based: the usage peek reads untrusted answer bodies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isJson } from './json-check.ts';
import { isRecord, lastObjectFieldIn } from './json-peek.ts';

test('any bytes at all: it answers (a record or nothing) and never throws', () => {
  const soup = fc.string({
    unit: fc.constantFrom('"usage"', ':', '{', '}', '"', '\\', ' ', 'x', '1', ','),
    maxLength: 300,
  });
  fc.assert(
    fc.property(soup, (text) => {
      const found = lastObjectFieldIn(Buffer.from(text), 'usage');
      assert.ok(found === undefined || isRecord(found));
    }),
    { numRuns: 3000 },
  );
});

test('the usage object an answer ends with is the one found, whatever comes before it', () => {
  const key = fc.string({ maxLength: 8 }).filter((k) => !k.includes('usage'));
  const usage = fc.dictionary(key, fc.integer({ min: 0, max: 1e6 }), { maxKeys: 5 });
  const before = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
  fc.assert(
    fc.property(before, usage, (rest, u) => {
      const body = Buffer.from(JSON.stringify({ ...rest, usage: u }));
      assert.deepEqual(lastObjectFieldIn(body, 'usage'), JSON.parse(JSON.stringify(u)));
    }),
    { numRuns: 1000 },
  );
});

test('the JSON checker agrees with JSON.parse on any JSON value and on its cut-short forms', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat(), (value, n) => {
      const text = JSON.stringify(value);
      assert.equal(isJson(text), true, text);
      const short = text.slice(0, n % (text.length + 1));
      let parses = true;
      try {
        JSON.parse(short);
      } catch {
        parses = false;
      }
      assert.equal(isJson(short), parses, short);
    }),
    { numRuns: 2000 },
  );
});
