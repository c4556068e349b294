// Counting at the provider: answers, refusals, and the tokens the answers were charged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReceivedRequest } from '../mock/types.ts';
import { tallyUpstream } from './upstream-tally.ts';

function received(status: number | undefined, json?: unknown): ReceivedRequest {
  return {
    id: 1,
    method: 'POST',
    path: '/v1/chat/completions',
    headers: {},
    body: Buffer.alloc(0),
    json,
    at: 0,
    status,
    bodyBytes: 0,
    route: 'chat',
  };
}

test('counts calls, answers and 429s, and charges answers their prompt estimate plus output bound', () => {
  const chat = (content: string, max_tokens: number) => ({
    model: 'm',
    max_tokens,
    messages: [{ role: 'user', content }],
  });
  const tally = tallyUpstream([
    received(200, chat('x'.repeat(40), 50)), // 10 + 50
    received(429, chat('x'.repeat(400), 50)), // refused: charged nothing
    received(200, chat('x'.repeat(7), 5)), // 2 + 5
    received(500),
    received(undefined), // a reset connection
  ]);
  assert.deepEqual(tally, { calls: 5, answered: 2, rateLimited: 1, answeredTokens: 67 });
});

test('nothing received is all zero', () => {
  assert.deepEqual(tallyUpstream([]), { calls: 0, answered: 0, rateLimited: 0, answeredTokens: 0 });
});
