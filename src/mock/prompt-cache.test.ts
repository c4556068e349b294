// The mock's prompt cache: breakpoints mark prefixes; a repeat reads, a longer prefix writes the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockPromptCache } from './prompt-cache.ts';

const LONG = 'x'.repeat(8000); // 2000 tokens at four characters each
const marked = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });

function body(turns: number, marker = true): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [];
  for (let i = 0; i < turns; i++) messages.push({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` });
  return { system: [marker ? marked(LONG) : { type: 'text', text: LONG }], messages };
}

test('the first request writes its marked prefix, a repeat reads it, and no marker caches nothing', () => {
  const cache = new MockPromptCache();
  assert.deepEqual(cache.account(body(1), 'k1', 0), { read: 0, write: 2000 });
  assert.deepEqual(cache.account(body(3), 'k1', 1000), { read: 2000, write: 0 });
  assert.deepEqual(cache.account(body(3, false), 'k1', 2000), { read: 0, write: 0 });
});

test('prefixes are kept per key, expire after five minutes, and short ones are never cached', () => {
  const cache = new MockPromptCache();
  cache.account(body(1), 'k1', 0);
  assert.deepEqual(cache.account(body(1), 'k2', 0), { read: 0, write: 2000 });
  assert.deepEqual(cache.account(body(1), 'k1', 5 * 60_000 + 1), { read: 0, write: 2000 });
  const short = { system: [marked('short')], messages: [{ role: 'user', content: 'hi' }] };
  assert.deepEqual(cache.account(short, 'k1', 0), { read: 0, write: 0 });
  assert.deepEqual(cache.account(short, 'k1', 1), { read: 0, write: 0 });
});

test('a longer marked prefix reads the part cached before and writes only what is new', () => {
  const cache = new MockPromptCache();
  cache.account(body(1), 'k1', 0);
  const longer = body(1);
  longer.messages = [{ role: 'user', content: [marked('y'.repeat(4000))] }];
  assert.deepEqual(cache.account(longer, 'k1', 10), { read: 2000, write: 1000 });
});
