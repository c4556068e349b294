// What the Clients section says: how clients are told apart, their limits, and each client's row.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  allowanceText,
  type ClientStats,
  clientRow,
  identifyByText,
  lastSeenText,
  limitsText,
} from './client-rows.js';

test('identifyByText: each way of telling clients apart, a header by its name', () => {
  assert.equal(identifyByText('virtual_key'), 'virtual key');
  assert.equal(identifyByText('api_key'), 'API key (hashed)');
  assert.equal(identifyByText('ip'), 'address');
  assert.equal(identifyByText('header:x-user-id'), 'header x-user-id');
});

test('limitsText: requests with their burst, tokens, or none', () => {
  assert.equal(limitsText({ rpm: 60, burst: 10, tpm: 100_000 }), '60 rpm (burst 10), 100,000 tpm');
  assert.equal(limitsText({ rpm: 1000 }), '1,000 rpm');
  assert.equal(limitsText({ tpm: 5000 }), '5,000 tpm');
  assert.equal(limitsText({}), 'none');
  assert.equal(limitsText(undefined), 'none');
});

test('allowanceText: what is left of the bucket, its size alone when untouched, a dash with no limit', () => {
  assert.equal(allowanceText(41, 60), '41 of 60');
  assert.equal(allowanceText(undefined, 100_000), 'limit 100,000');
  assert.equal(allowanceText(undefined, undefined), '–');
  assert.equal(allowanceText(0, 60), '0 of 60');
});

test('lastSeenText: just now, seconds, then longer spans', () => {
  assert.equal(lastSeenText(0), 'just now');
  assert.equal(lastSeenText(7), '7 s ago');
  assert.equal(lastSeenText(125), '2 m 05 s ago');
  assert.equal(lastSeenText(7200), '2 h 00 m ago');
});

describe('clientRow', () => {
  const alice: ClientStats = {
    client: 'alice',
    requests: 1200,
    rate_limited: 3,
    over_budget: 0,
    last_seen_s_ago: 1,
    limits: { rpm: 60, tpm: 100_000 },
    remaining: { requests: 41, tokens: 88_211 },
  };

  test('counts, what each bucket has left against its limit, and when it was last seen', () => {
    assert.deepEqual(clientRow(alice), {
      client: 'alice',
      requests: '1,200',
      rateLimited: '3',
      overBudget: '0',
      requestsLeft: '41 of 60',
      tokensLeft: '88,211 of 100,000',
      lastSeen: '1 s ago',
    });
  });

  test('a burst is the size of the requests bucket; a limit not set shows a dash', () => {
    const r = clientRow({ ...alice, limits: { rpm: 60, burst: 10 }, remaining: { requests: 4 } });
    assert.equal(r.requestsLeft, '4 of 10');
    assert.equal(r.tokensLeft, '–');
  });

  test('the label is kept as it came, markup and all (the view puts it in as text)', () => {
    const label = '<img src=x onerror=alert(1)>';
    assert.equal(clientRow({ ...alice, client: label }).client, label);
  });
});
