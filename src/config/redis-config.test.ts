// Tests for the Redis settings: REDIS_URL fills store.redis, cache.store: redis needs it, the URL is
// checked, and its password never shows in the displayed config.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from './config-error.ts';
import { loadConfig } from './load.ts';
import { displayConfig } from './mask.ts';

const load = (tree: Record<string, unknown>, env: Record<string, string> = {}) =>
  loadConfig({ tree, env, cwd: '/nonexistent' });

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('the config was accepted');
}

describe('Redis settings', () => {
  test('REDIS_URL sets store.redis, over the file', () => {
    const config = load(
      { store: { redis: 'redis://file-host:6379' } },
      { REDIS_URL: 'redis://env-host:6380/2' },
    );
    assert.equal(config.store.redis, 'redis://env-host:6380/2');
  });

  test('cache.store: redis without store.redis is refused at startup, saying what to set', () => {
    const problems = problemsOf(() => load({ cache: { store: 'redis' } }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /cache\.store: redis needs store\.redis/);
    assert.match(problems[0]!, /REDIS_URL/);
  });

  test('cache.store: redis with REDIS_URL is accepted', () => {
    const config = load({ cache: { store: 'redis' } }, { REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.equal(config.cache.store, 'redis');
    assert.equal(config.store.redis, 'redis://127.0.0.1:6379');
  });

  test('store.redis must be a redis:// or rediss:// URL', () => {
    for (const bad of ['127.0.0.1:6379', 'http://127.0.0.1:6379', 'redis://']) {
      const problems = problemsOf(() => load({ store: { redis: bad } }));
      assert.match(problems.join('\n'), /store\.redis: must be a redis:\/\/ or rediss:\/\/ URL/, bad);
    }
    const tls = 'rediss://user:pw@cache.example:6380/1';
    assert.equal(load({ store: { redis: tls } }).store.redis, tls);
  });

  test('the displayed config masks the password in store.redis', () => {
    const config = load({ store: { redis: 'redis://default:s3cret-pass@cache:6379/0' } });
    const shown = JSON.stringify(displayConfig(config));
    assert.ok(!shown.includes('s3cret-pass'), shown);
    assert.ok(shown.includes('redis://default:***@cache:6379/0'), shown);
  });
});
