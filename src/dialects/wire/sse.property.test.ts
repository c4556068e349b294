// Property-based: the SSE splitter reads untrusted bytes, however they are cut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createSseSplitter } from './sse.ts';

function split(chunks: readonly string[]): { events: string[]; rest: string } {
  const events: string[] = [];
  const splitter = createSseSplitter((raw) => events.push(raw));
  for (const c of chunks) splitter.push(c);
  return { events, rest: splitter.flush() };
}

/** Cuts `text` at the given fractions into chunks. */
function cut(text: string, at: readonly number[]): string[] {
  const points = [...new Set(at.map((f) => Math.floor(f * text.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of points) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

test('nothing is lost or added: the events and what is left are the input, whatever it is', () => {
  const anyText = fc.string({
    unit: fc.constantFrom('a', 'd', ':', ' ', '\n', '\r', '{', '}', 'é'),
    maxLength: 200,
  });
  fc.assert(
    fc.property(anyText, cuts, (text, at) => {
      const { events, rest } = split(cut(text, at));
      assert.equal(events.join('') + rest, text);
    }),
    { numRuns: 2000 },
  );
});

test('well-formed events come out one by one, the same however the stream is cut', () => {
  const line = fc.string({
    unit: fc.constantFrom('a', 'b', ':', ' ', '{', '"', '}', '你'),
    minLength: 1,
    maxLength: 20,
  });
  const event = fc.array(line, { minLength: 1, maxLength: 3 }).map((lines) => `${lines.join('\n')}\n\n`);
  const stream = fc.array(event, { maxLength: 10 });
  fc.assert(
    fc.property(stream, cuts, fc.boolean(), (evs, at, crlf) => {
      const written = crlf ? evs.map((e) => e.replaceAll('\n', '\r\n')) : evs;
      const { events, rest } = split(cut(written.join(''), at));
      assert.deepEqual(events, written);
      assert.equal(rest, '');
    }),
    { numRuns: 1000 },
  );
});
