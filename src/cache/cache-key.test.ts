// The exact cache's key: canonical JSON (sorted keys, no cache_control markers), the tenant a
// request belongs to, and a key that tells apart what answers differently and nothing else.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import type { ClientIdentity } from '../clients/identity.ts';
import { createContext, type RequestContext } from '../pipeline/context.ts';
import type { Upstream } from '../upstreams/upstream.ts';
import { cacheKeyOf, canonicalJson, tenantOf } from './cache-key.ts';

interface Shape {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  json?: Record<string, unknown>;
  kind?: RequestContext['kind'];
  upstream?: string;
  client?: string;
  model?: string;
}

function context(shape: Shape = {}): RequestContext {
  const { method = 'POST', url = '/v1/chat/completions', headers = {}, upstream = 'openai' } = shape;
  const req = { method, url, headers } as unknown as IncomingMessage;
  const ctx = createContext('r1', req, {} as ServerResponse, 0, 'localhost');
  ctx.kind = shape.kind ?? 'api';
  ctx.json = shape.json;
  ctx.model = shape.model;
  ctx.client = shape.client === undefined ? undefined : ({ id: shape.client } as ClientIdentity);
  ctx.target = {
    upstream: { name: upstream } as unknown as Upstream,
    origin: 'https://api.example.com',
    path: url,
  };
  return ctx;
}

const BODY = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hi' },
  ],
  temperature: 0,
};

const keyOf = (shape: Shape = {}) => cacheKeyOf(context({ json: BODY, ...shape }));

describe('canonicalJson', () => {
  test('object keys are sorted, at every depth; arrays keep their order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}');
    assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  });

  test('it is JSON that parses back to the same value', () => {
    const value = {
      z: 'quote " and \\ and \n',
      n: -1.5e-7,
      t: true,
      list: [{}, [], 'x'],
      u: '\u00e9\u{1f600}',
    };
    assert.deepEqual(JSON.parse(canonicalJson(value)), value);
  });

  test('cache_control markers are left out at any depth', () => {
    const marked = {
      system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      ],
      cache_control: { type: 'ephemeral' },
    };
    const plain = {
      system: [{ type: 'text', text: 'sys' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    };
    assert.equal(canonicalJson(marked), canonicalJson(plain));
    assert.ok(!canonicalJson(marked).includes('cache_control'));
  });

  test('undefined members are left out as JSON.stringify does; undefined in an array is null', () => {
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
    assert.equal(canonicalJson([undefined, 1]), '[null,1]');
    assert.equal(canonicalJson(undefined), 'null');
  });

  test('scalars are written as JSON', () => {
    assert.equal(canonicalJson('a"b'), '"a\\"b"');
    assert.equal(canonicalJson(0), '0');
    assert.equal(canonicalJson(false), 'false');
    assert.equal(canonicalJson(null), 'null');
  });
});

describe('tenantOf', () => {
  test('no credential and no named client: the anonymous scope, shared', () => {
    assert.equal(tenantOf(context()), '');
    assert.equal(tenantOf(context({ client: 'ip:192.0.2.1' })), '', 'an address does not scope answers');
    assert.equal(
      tenantOf(context({ client: 'key:0123456789abcdef' })),
      '',
      'a key id adds nothing to the key',
    );
  });

  test('the presented credential scopes it, whichever header carries it', () => {
    assert.equal(tenantOf(context({ headers: { authorization: 'Bearer sk-a' } })), 'sk-a');
    assert.equal(tenantOf(context({ headers: { 'x-api-key': 'sk-a' } })), 'sk-a');
    assert.notEqual(
      tenantOf(context({ headers: { authorization: 'Bearer sk-a' } })),
      tenantOf(context({ headers: { authorization: 'Bearer sk-b' } })),
    );
  });

  test('a virtual key or a header-named client scopes it', () => {
    assert.equal(tenantOf(context({ client: 'vk:alice' })), '\nvk:alice');
    assert.equal(tenantOf(context({ client: 'header:team-a' })), '\nheader:team-a');
    assert.notEqual(tenantOf(context({ client: 'vk:alice' })), tenantOf(context({ client: 'vk:bob' })));
  });

  test('an API call counts x-cooldown-key', () => {
    assert.notEqual(
      tenantOf(context({ headers: { 'x-cooldown-key': 'one' } })),
      tenantOf(context({ headers: { 'x-cooldown-key': 'two' } })),
    );
  });

  test('a REST call counts every credential-like header, in a fixed order', () => {
    const a = tenantOf(context({ kind: 'rest', headers: { 'x-session-id': 's1', 'private-token': 't1' } }));
    const b = tenantOf(context({ kind: 'rest', headers: { 'private-token': 't1', 'x-session-id': 's1' } }));
    assert.equal(a, b);
    assert.ok(a.includes('private-token:t1') && a.includes('x-session-id:s1'));
    assert.notEqual(
      a,
      tenantOf(context({ kind: 'rest', headers: { 'x-session-id': 's2', 'private-token': 't1' } })),
    );
    assert.equal(tenantOf(context({ kind: 'rest', headers: { accept: 'application/json' } })), '');
  });
});

describe('cacheKeyOf', () => {
  test('a hex SHA-256 that holds no credential', () => {
    const key = keyOf({ headers: { authorization: 'Bearer sk-secret-123' } })!;
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.ok(!key.includes('sk-secret'));
  });

  test('the same request makes the same key', () => {
    assert.equal(keyOf(), keyOf());
    assert.equal(
      keyOf({ headers: { authorization: 'Bearer sk-a' } }),
      keyOf({ headers: { authorization: 'Bearer sk-a' } }),
    );
  });

  test('another tenant makes another key', () => {
    const base = keyOf({ headers: { authorization: 'Bearer sk-a' } });
    assert.notEqual(base, keyOf({ headers: { authorization: 'Bearer sk-b' } }));
    assert.notEqual(base, keyOf());
    assert.notEqual(keyOf({ client: 'vk:alice' }), keyOf({ client: 'vk:bob' }));
  });

  test('another upstream, method, path or query makes another key', () => {
    const base = keyOf();
    assert.notEqual(base, keyOf({ upstream: 'azure' }));
    assert.notEqual(base, keyOf({ method: 'PUT' }));
    assert.notEqual(base, keyOf({ url: '/v1/completions' }));
    assert.notEqual(base, keyOf({ url: '/v1/chat/completions?x=1' }));
  });

  test('another body, or the stream flag, makes another key', () => {
    const base = keyOf();
    assert.notEqual(base, keyOf({ json: { ...BODY, temperature: 1 } }));
    assert.notEqual(base, keyOf({ json: { ...BODY, messages: [...BODY.messages].reverse() } }));
    assert.notEqual(base, keyOf({ json: { ...BODY, stream: true } }));
    assert.notEqual(keyOf({ json: { ...BODY, stream: true } }), keyOf({ json: { ...BODY, stream: false } }));
    assert.notEqual(base, cacheKeyOf(context()), 'no body is not the same as this body');
  });

  test('key order does not change the key', () => {
    const permuted = {
      temperature: 0,
      messages: [
        { content: 'be brief', role: 'system' },
        { content: 'hi', role: 'user' },
      ],
      model: 'gpt-4o-mini',
    };
    assert.equal(keyOf(), keyOf({ json: permuted }));
  });

  test('moved or added cache_control markers do not change the key', () => {
    const text = (t: string, marked: boolean) =>
      marked ? { type: 'text', text: t, cache_control: { type: 'ephemeral' } } : { type: 'text', text: t };
    const body = (first: boolean, second: boolean) => ({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [
        { role: 'user', content: [text('one', first)] },
        { role: 'user', content: [text('two', second)] },
      ],
    });
    const url = '/v1/messages';
    const key = (json: Record<string, unknown>) => keyOf({ url, upstream: 'anthropic', json });
    assert.equal(key(body(true, false)), key(body(false, true)));
    assert.equal(key(body(true, false)), key(body(false, false)));
  });

  test('headers that change the answer make another key; others do not', () => {
    const base = keyOf();
    assert.notEqual(base, keyOf({ headers: { 'anthropic-version': '2023-06-01' } }));
    assert.notEqual(base, keyOf({ headers: { 'anthropic-beta': 'x' } }));
    assert.notEqual(base, keyOf({ headers: { 'openai-beta': 'assistants=v2' } }));
    assert.equal(base, keyOf({ headers: { 'user-agent': 'curl/8', 'x-request-id': 'abc' } }));
  });

  test('a REST key follows what was negotiated', () => {
    const rest = (headers: Record<string, string>) =>
      keyOf({ kind: 'rest', method: 'GET', url: '/items', json: undefined, headers });
    assert.notEqual(rest({ accept: 'application/json' }), rest({ accept: 'text/html' }));
    assert.notEqual(rest({ 'accept-encoding': 'gzip' }), rest({ 'accept-encoding': 'br' }));
    assert.equal(rest({ accept: 'application/json' }), rest({ accept: 'application/json' }));
  });

  test('a model the route renamed counts under the name the client sent', () => {
    const renamed = context({ json: { ...BODY, model: 'gpt-4o-mini-2024-07-18' }, model: 'gpt-4o-mini' });
    assert.equal(cacheKeyOf(renamed), keyOf());
    const other = context({ json: { ...BODY, model: 'gpt-4o-mini-2024-07-18' }, model: 'gpt-4o' });
    assert.notEqual(cacheKeyOf(other), keyOf());
  });

  test('a body nested too deep to write out has no key', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 200_000; i++) deep = { d: deep };
    assert.equal(cacheKeyOf(context({ json: deep })), undefined);
    assert.equal(keyOf()?.length, 64, 'the next request is keyed as usual');
  });
});

test('a field named cache_control that is not a breakpoint stays part of the key', () => {
  const schema = (type: string) => ({ properties: { cache_control: type } });
  assert.notEqual(canonicalJson(schema('string')), canonicalJson(schema('number')));
  assert.equal(canonicalJson({ a: 1, cache_control: { type: 'ephemeral' } }), canonicalJson({ a: 1 }));
});
