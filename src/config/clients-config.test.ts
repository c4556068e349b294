// The clients, budgets and store keys: what they accept, and what they refuse with a path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from './config-error.ts';
import { loadConfig } from './load.ts';

const load = (tree: Record<string, unknown>) => loadConfig({ tree, env: {}, cwd: '/nonexistent' });

function refusal(tree: Record<string, unknown>): string {
  try {
    load(tree);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('the config was accepted');
}

describe('clients and budgets config', () => {
  test('identify_by takes api_key, ip or header:<name> (lower-cased)', () => {
    assert.equal(load({}).clients.identify_by, 'api_key');
    assert.equal(
      load({ clients: { identify_by: 'header:X-User-Id' } }).clients.identify_by,
      'header:x-user-id',
    );
    assert.match(refusal({ clients: { identify_by: 'cookie' } }), /clients\.identify_by/);
  });

  test('two virtual keys with one name, or one key given twice, are refused with their path', () => {
    assert.match(
      refusal({
        clients: {
          keys: [
            { name: 'a', key: 'k1' },
            { name: 'a', key: 'k2' },
          ],
        },
      }),
      /clients\.keys\[1\]\.name: "a" is used twice/,
    );
    assert.match(
      refusal({
        clients: {
          keys: [
            { name: 'a', key: 'k1' },
            { name: 'b', key: 'k1' },
          ],
        },
      }),
      /clients\.keys\[1\]\.key/,
    );
  });

  test('budgets: scopes, periods and allow_unknown; an unknown time zone is refused', () => {
    const config = load({
      budgets: [{ scope: 'model', name: 'gpt-4o', period: 'hourly', limit_usd: '2.5' }],
      budgets_timezone: 'Europe/Berlin',
    });
    assert.deepEqual(config.budgets, [
      { scope: 'model', name: 'gpt-4o', period: 'hourly', limit_usd: 2.5, allow_unknown: false },
    ]);
    assert.equal(config.budgets_timezone, 'Europe/Berlin');
    assert.match(refusal({ budgets_timezone: 'Mars/Olympus' }), /budgets_timezone/);
    assert.match(refusal({ budgets: [{ period: 'yearly', limit_usd: 1 }] }), /budgets\[0\]\.period/);
  });

  test('the store is an SQLite file by default; :memory: keeps nothing', () => {
    assert.equal(load({}).store.sqlite, './.cooldown/state.db');
    assert.equal(load({ store: { sqlite: ':memory:' } }).store.sqlite, ':memory:');
  });
});
