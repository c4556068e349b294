// Which limit a key's bar shows, what is left of it, and the reset counted down between polls.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capacityOf } from './capacity.js';

describe('capacityOf', () => {
  test('fresh headers: the learned limit, labelled learned, even when a limit is configured', () => {
    const c = capacityOf(
      {
        dimension: 'requests',
        window: 'minute',
        source: 'headers',
        configured_limit: 100,
        learned_limit: 3,
        remaining: 1,
        reset_in_ms: 4000,
      },
      0,
    );
    assert.deepEqual(c, {
      label: 'requests / minute',
      limit: 3,
      limitKind: 'learned',
      remaining: 1,
      fraction: 1 / 3,
      resetInMs: 4000,
    });
  });

  test('no fresh headers: the configured limit, labelled configured', () => {
    const c = capacityOf(
      {
        dimension: 'tokens',
        window: 'minute',
        source: 'config',
        configured_limit: 6000,
        learned_limit: 5000,
        remaining: 1500,
      },
      0,
    );
    assert.equal(c.limit, 6000);
    assert.equal(c.limitKind, 'configured');
    assert.equal(c.fraction, 0.25);
    assert.equal(c.resetInMs, undefined);
  });

  test('a limit learned once and nothing configured: still the learned one', () => {
    const c = capacityOf(
      { dimension: 'output_tokens', window: 'day', source: 'none', learned_limit: 8000 },
      0,
    );
    assert.equal(c.label, 'output tokens / day');
    assert.equal(c.limitKind, 'learned');
    assert.equal(c.remaining, undefined);
    assert.equal(c.fraction, undefined);
  });

  test('no limit known: no bar, only what the headers said is left', () => {
    const c = capacityOf(
      { dimension: 'requests', window: 'unspecified', source: 'headers', remaining: 42 },
      0,
    );
    assert.deepEqual(c, { label: 'requests', remaining: 42 });
  });

  test('the reset counts down from the poll and stops at zero; the fraction stays within 0..1', () => {
    const w = {
      dimension: 'requests',
      window: 'minute',
      source: 'headers',
      learned_limit: 10,
      remaining: 12,
      reset_in_ms: 1500,
    } as const;
    assert.equal(capacityOf(w, 1000).resetInMs, 500);
    assert.equal(capacityOf(w, 2000).resetInMs, 0);
    assert.equal(capacityOf(w, 0).fraction, 1);
    assert.equal(capacityOf({ ...w, learned_limit: 0 }, 0).fraction, undefined);
  });
});
