// What the cache answers and keeps: GETs with a target and the LLM POSTs with a JSON body; the
// client's Cache-Control (max-age, no-cache, no-store, odd values); what an upstream forbids.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { createContext, type RequestContext, type Target } from '../pipeline/context.ts';
import type { Upstream } from '../upstreams/upstream.ts';
import { directivesOf, isCacheable, upstreamForbidsStoring } from './cache-policy.ts';

const TARGET: Target = {
  upstream: { name: 'openai' } as unknown as Upstream,
  origin: 'https://api.openai.com',
  path: '/v1/chat/completions',
};

function context(
  method: string,
  url: string,
  over: Partial<Pick<RequestContext, 'kind' | 'json' | 'target'>> = {},
): RequestContext {
  const req = { method, url, headers: {} } as unknown as IncomingMessage;
  const ctx = createContext('r1', req, {} as ServerResponse, 0, 'localhost');
  return Object.assign(ctx, { target: TARGET, ...over });
}

const JSON_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('isCacheable', () => {
  for (const path of [
    '/v1/chat/completions',
    '/v1/completions',
    '/v1/embeddings',
    '/v1/responses',
    '/v1/messages',
  ]) {
    test(`POST ${path} with a JSON body`, () => {
      assert.equal(isCacheable(context('POST', path, { json: JSON_BODY })), true);
    });
  }

  test('a query string does not change which path it is', () => {
    assert.equal(isCacheable(context('POST', '/v1/chat/completions?beta=1', { json: JSON_BODY })), true);
  });

  test('other POST paths are not', () => {
    for (const path of ['/v1/audio/speech', '/v1/files', '/v1/chat/completions/x', '/v1/messages/count']) {
      assert.equal(isCacheable(context('POST', path, { json: JSON_BODY })), false, path);
    }
  });

  test('a POST without a parsed JSON body is not', () => {
    assert.equal(isCacheable(context('POST', '/v1/chat/completions')), false);
  });

  test('a host-routed REST POST is not, even on an LLM path', () => {
    assert.equal(
      isCacheable(context('POST', '/v1/chat/completions', { kind: 'rest', json: JSON_BODY })),
      false,
    );
  });

  test('GET is when it has a target, API call or REST', () => {
    assert.equal(isCacheable(context('GET', '/v1/models')), true);
    assert.equal(isCacheable(context('GET', '/repos/a/b', { kind: 'rest' })), true);
    assert.equal(isCacheable(context('GET', '/v1/models', { target: undefined })), false);
  });

  test('other methods are not', () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']) {
      assert.equal(isCacheable(context(method, '/v1/chat/completions', { json: JSON_BODY })), false, method);
    }
  });
});

describe('directivesOf', () => {
  test('no header or an empty one: look, keep, the TTL', () => {
    const plain = { lookup: true, store: true, maxAgeMs: undefined };
    assert.deepEqual(directivesOf(undefined), plain);
    assert.deepEqual(directivesOf(''), plain);
  });

  test('no-cache: keep but do not look', () => {
    assert.deepEqual(directivesOf('no-cache'), { lookup: false, store: true, maxAgeMs: undefined });
  });

  test('no-store: neither look nor keep', () => {
    assert.deepEqual(directivesOf('no-store'), { lookup: false, store: false, maxAgeMs: undefined });
  });

  test('max-age in seconds becomes ms, 0 included', () => {
    assert.equal(directivesOf('max-age=60').maxAgeMs, 60_000);
    assert.equal(directivesOf('max-age=0').maxAgeMs, 0);
    assert.equal(directivesOf('max-age=60').lookup, true);
    assert.equal(directivesOf('max-age=60').store, true);
  });

  test('a max-age that is not a whole non-negative number is ignored', () => {
    for (const odd of ['max-age=abc', 'max-age=-5', 'max-age=1.5', 'max-age=NaN', 'max-age=Infinity']) {
      assert.equal(directivesOf(odd).maxAgeMs, undefined, odd);
    }
  });

  test('upper case and spaces around directives are understood', () => {
    assert.deepEqual(directivesOf('  NO-CACHE , Max-Age=30 '), {
      lookup: false,
      store: true,
      maxAgeMs: 30_000,
    });
    assert.equal(directivesOf('No-Store').store, false);
  });

  test('several directives together, in either order', () => {
    assert.deepEqual(directivesOf('max-age=10, no-store'), { lookup: false, store: false, maxAgeMs: 10_000 });
    assert.deepEqual(directivesOf('no-cache,no-store'), { lookup: false, store: false, maxAgeMs: undefined });
    assert.equal(directivesOf('max-age=10, max-age=20').maxAgeMs, 20_000, 'the last valid one counts');
    assert.equal(directivesOf('max-age=10, max-age=x').maxAgeMs, 10_000, 'an invalid one does not undo it');
  });

  test('unknown directives change nothing', () => {
    assert.deepEqual(directivesOf('private, must-revalidate, no-transform'), {
      lookup: true,
      store: true,
      maxAgeMs: undefined,
    });
    assert.equal(directivesOf('s-maxage=5').maxAgeMs, undefined);
    assert.equal(directivesOf('no-store-please').store, true, 'a directive is matched whole');
  });
});

describe('upstreamForbidsStoring', () => {
  test('a plain answer may be kept', () => {
    assert.equal(upstreamForbidsStoring({}), false);
    assert.equal(upstreamForbidsStoring({ 'content-type': 'application/json' }), false);
    assert.equal(upstreamForbidsStoring({ 'cache-control': 'max-age=600, public' }), false);
  });

  test('a cookie is set: not kept', () => {
    assert.equal(upstreamForbidsStoring({ 'set-cookie': ['a=1'] }), true);
  });

  test('Cache-Control no-store or private, any case: not kept', () => {
    assert.equal(upstreamForbidsStoring({ 'cache-control': 'no-store' }), true);
    assert.equal(upstreamForbidsStoring({ 'cache-control': 'Private, max-age=60' }), true);
    assert.equal(upstreamForbidsStoring({ 'cache-control': 'NO-STORE' }), true);
  });

  test('Vary on anything but Accept-Encoding: not kept', () => {
    assert.equal(upstreamForbidsStoring({ vary: 'Accept-Encoding' }), false);
    assert.equal(upstreamForbidsStoring({ vary: ' accept-encoding ' }), false);
    assert.equal(upstreamForbidsStoring({ vary: 'Accept-Encoding, Authorization' }), true);
    assert.equal(upstreamForbidsStoring({ vary: 'Origin' }), true);
    assert.equal(upstreamForbidsStoring({ vary: '*' }), true);
  });
});

test('a header sent more than once forbids storing through any of its values', () => {
  assert.equal(upstreamForbidsStoring({ 'cache-control': ['public', 'no-store'] }), true);
  assert.equal(upstreamForbidsStoring({ vary: ['Accept-Encoding', 'Origin'] }), true);
  assert.equal(upstreamForbidsStoring({ vary: ['Accept-Encoding'], 'cache-control': ['max-age=60'] }), false);
});
