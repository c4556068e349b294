// The share of the hidden limits' capacity a phase turned into answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityShare } from './capacity.ts';

const limits = { requests: 8, tokens: 2000, windowMs: 2000 };

test('counts the windows each key could open during the phase', () => {
  assert.equal(
    capacityShare({ answeredRequests: 0, answeredTokens: 0, keys: 1, wallMs: 0 }, limits).windows,
    1,
  );
  assert.equal(
    capacityShare({ answeredRequests: 0, answeredTokens: 0, keys: 1, wallMs: 1999 }, limits).windows,
    1,
  );
  assert.equal(
    capacityShare({ answeredRequests: 0, answeredTokens: 0, keys: 1, wallMs: 2000 }, limits).windows,
    2,
  );
  assert.equal(
    capacityShare({ answeredRequests: 0, answeredTokens: 0, keys: 1, wallMs: 9500 }, limits).windows,
    5,
  );
});

test('every window of every key full is 100%', () => {
  // 3 keys, 3 windows in 4.5 s: 72 requests and 18000 tokens at most.
  const full = capacityShare({ answeredRequests: 72, answeredTokens: 18_000, keys: 3, wallMs: 4500 }, limits);
  assert.equal(full.share, 1);
  assert.equal(full.requestShare, 1);
  assert.equal(full.tokenShare, 1);
});

test('the share is that of the limit the answers used more of', () => {
  // Big requests: tokens run out first (9000 of 18000), requests are at a quarter (18 of 72).
  const big = capacityShare({ answeredRequests: 18, answeredTokens: 9000, keys: 3, wallMs: 4500 }, limits);
  assert.equal(big.tokenShare, 0.5);
  assert.equal(big.requestShare, 0.25);
  assert.equal(big.share, 0.5);
  // Small requests: the request limit binds.
  const small = capacityShare({ answeredRequests: 54, answeredTokens: 1800, keys: 3, wallMs: 4500 }, limits);
  assert.equal(small.share, 0.75);
});

test('a longer phase for the same answers is a smaller share', () => {
  const quick = capacityShare({ answeredRequests: 48, answeredTokens: 0, keys: 3, wallMs: 3000 }, limits);
  const slow = capacityShare({ answeredRequests: 48, answeredTokens: 0, keys: 3, wallMs: 7000 }, limits);
  assert.equal(quick.share, 1);
  assert.equal(slow.share, 0.5);
});
