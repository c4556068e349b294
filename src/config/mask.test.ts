// Tests for secret masking and the display form of a config.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { displayConfig, maskSecret, maskUrlCredentials } from './mask.ts';
import { parseRate } from './units.ts';

describe('maskSecret', () => {
  test('shows the first 6 and last 4 characters of a provider-length key (32+)', () => {
    assert.equal(maskSecret('sk-proj-abcdefghijklmnopqrstuvwx1234'), 'sk-pro...1234');
  });

  test('a shorter secret (an admin token) shows its last 4 only', () => {
    assert.equal(maskSecret('sk-proj-abcdefghijklmnop1234'), '...1234');
    assert.equal(maskSecret('0123456789abcdef'), '...cdef');
  });

  test('hides a short key whole', () => {
    assert.equal(maskSecret('0123456789abcde'), '***');
    assert.equal(maskSecret('short'), '***');
    assert.equal(maskSecret(''), '***');
  });

  test('never shows the middle of a long key', () => {
    const key = `gsk_${'X'.repeat(40)}tail`;
    assert.equal(maskSecret(key).includes('XXXXXXXX'), false);
  });
});

describe('maskUrlCredentials', () => {
  test('hides the password of a URL and keeps the user', () => {
    assert.equal(
      maskUrlCredentials('http://bob:hunter2@proxy.local:3128'),
      'http://bob:***@proxy.local:3128',
    );
    assert.equal(maskUrlCredentials('redis://:s3cret@cache:6379/0'), 'redis://:***@cache:6379/0');
  });

  test('leaves URLs without credentials as they are', () => {
    assert.equal(maskUrlCredentials('https://api.groq.com/openai/v1'), 'https://api.groq.com/openai/v1');
    assert.equal(maskUrlCredentials('http://localhost:8080/a:b@c'), 'http://localhost:8080/a:b@c');
    assert.equal(maskUrlCredentials('https://host/v1?model=x&keep=1'), 'https://host/v1?model=x&keep=1');
  });

  test('hides a bare userinfo token, a password holding a raw @, and secret query values', () => {
    assert.equal(maskUrlCredentials('https://ghp_TOKEN123@api.github.com'), 'https://***@api.github.com');
    assert.equal(maskUrlCredentials('http://bob:p@ss@word@proxy:3128/x'), 'http://bob:***@proxy:3128/x');
    assert.equal(
      maskUrlCredentials('https://api.example.com/v1?api_key=abc123&x=1&token=t0k'),
      'https://api.example.com/v1?api_key=***&x=1&token=***',
    );
  });
});

describe('displayConfig', () => {
  test('masks upstream keys, the admin token and client keys', () => {
    const shown = displayConfig({
      server: { admin_token: 'admin-token-0123456789', port: 8787 },
      upstreams: {
        groq: { url: 'https://api.groq.com/openai/v1', keys: ['gsk_aaaaaaaaaaaaaaaa1111', 'short'] },
      },
      clients: { keys: [{ name: 'alice', key: 'cd-alice-0123456789abcd' }] },
    });
    assert.deepEqual(shown, {
      server: { admin_token: '...6789', port: 8787 },
      upstreams: { groq: { url: 'https://api.groq.com/openai/v1', keys: ['...1111', '***'] } },
      clients: { keys: [{ name: 'alice', key: '...abcd' }] },
    });
  });

  test('hides passwords in the proxy, redis and upstream URLs', () => {
    const shown = displayConfig({
      outbound_proxy: 'http://u:pw@proxy:3128',
      store: { redis: 'redis://:pw@cache:6379', sqlite: './state.db' },
      upstreams: { rest: { url: 'https://user:pw@api.example.com' } },
    });
    assert.deepEqual(shown, {
      outbound_proxy: 'http://u:***@proxy:3128',
      store: { redis: 'redis://:***@cache:6379', sqlite: './state.db' },
      upstreams: { rest: { url: 'https://user:***@api.example.com' } },
    });
  });

  test('writes durations back in their units', () => {
    const shown = displayConfig({
      server: { request_timeout: 120_000, shutdown_grace: 10_000, port: 8787 },
      cache: { ttl: 300_000, max_entries: 10_000 },
      upstreams: {
        groq: {
          timeout: 30_000,
          connect_timeout: 10_000,
          idle_timeout: 1500,
          queue: { max_size: 1000, timeout: 60_000 },
          rate_limits: { header_timeout: 5000, reset_buffer: 100 },
        },
      },
    });
    assert.deepEqual(shown, {
      server: { request_timeout: '2m', shutdown_grace: '10s', port: 8787 },
      cache: { ttl: '5m', max_entries: 10_000 },
      upstreams: {
        groq: {
          timeout: '30s',
          connect_timeout: '10s',
          idle_timeout: '1500ms',
          queue: { max_size: 1000, timeout: '1m' },
          rate_limits: { header_timeout: '5s', reset_buffer: '100ms' },
        },
      },
    });
  });

  test('writes a per-second rate as count/s', () => {
    const shown = displayConfig({
      routes: { hosts: [{ match: 'api.github.com', limits: { rate: { count: 10, perMs: 1000 } } }] },
    });
    assert.deepEqual(shown, { routes: { hosts: [{ match: 'api.github.com', limits: { rate: '10/s' } }] } });
  });

  test('writes rates over other periods in a form that parses back to the same rate', () => {
    for (const rate of [
      { count: 100, perMs: 60_000 },
      { count: 1000, perMs: 3_600_000 },
      { count: 5, perMs: 10_000 },
      { count: 1, perMs: 500 },
    ]) {
      const shown = displayConfig({ limits: { rate } }) as { limits: { rate: string } };
      assert.equal(typeof shown.limits.rate, 'string');
      assert.deepEqual(parseRate(shown.limits.rate), rate, shown.limits.rate);
    }
  });

  test('leaves other values alone and does not change its input', () => {
    const config = { log: { level: 'info', requests: true }, budgets: [{ scope: 'global', limit_usd: 5 }] };
    const copy = structuredClone(config);
    assert.deepEqual(displayConfig(config), copy);
    assert.deepEqual(config, copy);
  });
});
