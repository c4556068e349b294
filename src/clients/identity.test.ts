import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/load.ts';
import { createIdentify } from './identity.ts';
import { keyDigestHex } from './key-digest.ts';

function clients(tree: Record<string, unknown>) {
  return loadConfig({ tree: { clients: tree }, env: {}, cwd: '/nonexistent' }).clients;
}

function request(headers: Record<string, string>, address = '192.0.2.10'): IncomingMessage {
  return { headers, socket: { remoteAddress: address } } as unknown as IncomingMessage;
}

const KEY = 'sk-proj-client-key-abcdefghijklmnopqrstuvwxyz0123';

describe('identity', () => {
  test('api_key: a digest names the client, the masked key labels it, never the key itself', () => {
    const identify = createIdentify(clients({ identify_by: 'api_key' }), false);
    const id = identify(request({ authorization: `Bearer ${KEY}` }));
    assert.equal(id.id, `key:${keyDigestHex(KEY).slice(0, 16)}`);
    assert.equal(id.label, 'sk-pro...0123');
    assert.ok(!JSON.stringify(id).includes(KEY));
    assert.equal(
      identify(request({ 'x-api-key': KEY })).id,
      id.id,
      'the same key in x-api-key is the same client',
    );
    assert.equal(identify(request({})).id, 'ip:192.0.2.10', 'no key: known by address');
  });

  test('header: the value names the client (clipped); without it, the address', () => {
    const identify = createIdentify(clients({ identify_by: 'header:X-User-Id' }), false);
    assert.equal(identify(request({ 'x-user-id': 'u-42' })).id, 'header:u-42');
    assert.equal(identify(request({ 'x-user-id': 'x'.repeat(1000) })).id.length < 200, true);
    assert.equal(identify(request({})).id, 'ip:192.0.2.10');
  });

  test('overrides by address, header value or key digest; the rest get the defaults', () => {
    const byIp = createIdentify(
      clients({
        identify_by: 'ip',
        limits: { rpm: 10 },
        overrides: [{ match: '192.0.2.10', limits: { rpm: 99 } }],
      }),
      false,
    );
    assert.deepEqual(byIp(request({})).limits, { rpm: 99 });
    assert.deepEqual(byIp(request({}, '192.0.2.11')).limits, { rpm: 10 });
    const byKey = createIdentify(
      clients({
        limits: { rpm: 10, tpm: 5 },
        overrides: [{ match: `sha256:${keyDigestHex(KEY)}`, limits: { tpm: 7 } }],
      }),
      false,
    );
    assert.deepEqual(byKey(request({ authorization: `Bearer ${KEY}` })).limits, { rpm: 10, tpm: 7 });
  });

  test('X-Forwarded-For counts only from a trusted proxy', () => {
    const headers = { 'x-forwarded-for': '203.0.113.9' };
    const trustNone = createIdentify(clients({ identify_by: 'ip' }), false);
    assert.equal(trustNone(request(headers, '127.0.0.1')).id, 'ip:127.0.0.1');
    const trustLoopback = createIdentify(clients({ identify_by: 'ip' }), 'loopback');
    assert.equal(trustLoopback(request(headers, '127.0.0.1')).id, 'ip:203.0.113.9');
    assert.equal(trustLoopback(request(headers, '198.51.100.5')).id, 'ip:198.51.100.5', 'not a trusted hop');
  });

  test('virtual keys: a hashed entry matches its key; a wrong or missing key is unauthorized', () => {
    const identify = createIdentify(
      clients({ keys: [{ name: 'alice', key: `sha256:${keyDigestHex('ck-alice')}`, limits: { rpm: 3 } }] }),
      false,
    );
    const alice = identify(request({ authorization: 'Bearer ck-alice' }));
    assert.deepEqual([alice.id, alice.label, alice.credentialIsVirtualKey], ['vk:alice', 'alice', true]);
    assert.deepEqual(alice.limits, { rpm: 3 });
    const beside = identify(request({ authorization: 'token ghp-own', 'x-cooldown-key': 'ck-alice' }));
    assert.equal(beside.credentialIsVirtualKey, false);
    for (const headers of [{}, { authorization: 'Bearer ck-alicf' }] as Record<string, string>[])
      assert.throws(
        () => identify(request(headers)),
        (err: Error & { code?: string }) => err.code === 'unauthorized',
      );
  });
});
