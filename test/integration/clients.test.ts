// Who is calling and what they may use: virtual keys (missing, wrong, right, hashed), ingress limits
// per address and per API key in both API shapes and for streams, trust_proxy off and on, and a
// bound on the client state a flood of addresses can make.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { keyDigestHex } from '../../src/clients/key-digest.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { send } from '../support/http.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';

const UPSTREAM_KEY = 'sk-upstream-clients-test-key-000000001';
const ALICE = 'ck-alice-0123456789abcdefghijklmnopqrstuv';
const BOB = 'ck-bob-zyxwvutsrqponmlkjihgfedcba9876543210';

let mock: MockUpstream;
before(async () => {
  mock = await startMockUpstream();
});
after(() => mock.close());

function upstreams(keys: string[] = [UPSTREAM_KEY]) {
  return {
    openai: { url: mock.url, keys },
    anthropic: {
      url: mock.url,
      dialect: 'anthropic',
      keys: keys.length ? ['sk-ant-upstream-clients-0001'] : [],
    },
  };
}

function chat(gw: TestGateway, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
      ...extra,
    }),
  });
}

function messages(gw: TestGateway, headers: Record<string, string> = {}) {
  return fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify({
      model: 'claude-haiku-4-5',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
}

describe('virtual keys', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway({
      upstreams: upstreams(),
      clients: {
        keys: [
          { name: 'alice', key: ALICE },
          { name: 'bob', key: `sha256:${keyDigestHex(BOB)}` },
        ],
      },
    });
  });
  after(() => gw.close());

  test('without a key: 401 unauthorized in each API shape, before anything goes upstream', async () => {
    const before = mock.received.length;
    const open = await chat(gw);
    assert.equal(open.status, 401);
    const body = (await open.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'unauthorized');
    assert.equal(body.error.type, 'authentication_error');
    const anth = await messages(gw);
    assert.equal(anth.status, 401);
    const anthBody = (await anth.json()) as { type: string; error: { type: string } };
    assert.equal(anthBody.type, 'error');
    assert.equal(anthBody.error.type, 'authentication_error');
    assert.equal(mock.received.length, before);
  });

  test('a wrong key is refused the same way, and the SDKs see an authentication error', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: `${ALICE}x`, maxRetries: 0 });
    await assert.rejects(
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      (err: unknown) => err instanceof OpenAI.AuthenticationError,
    );
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'ck-nobody', maxRetries: 0 });
    await assert.rejects(
      anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (err: unknown) => err instanceof Anthropic.AuthenticationError,
    );
  });

  test('a right key, in clear or hashed in the config, is served on the upstream key; it never goes upstream', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: ALICE, maxRetries: 0 });
    const answer = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(answer.choices[0]?.message.content);
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: BOB, maxRetries: 0 });
    const msg = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(msg.type, 'message');
    const sent = mock.received.slice(-2);
    assert.deepEqual(
      sent.map((r) => r.key),
      [UPSTREAM_KEY, 'sk-ant-upstream-clients-0001'],
    );
    for (const r of mock.received)
      assert.ok(!JSON.stringify(r.headers).includes('ck-'), 'no client key upstream');
  });

  test('/stats names clients by their key name, never the key', async () => {
    const stats = (await (await fetch(`${gw.url}/stats`)).json()) as {
      clients: { identify_by: string; virtual_keys: number; recent: { client: string }[] };
    };
    assert.equal(stats.clients.identify_by, 'virtual_key');
    assert.equal(stats.clients.virtual_keys, 2);
    assert.deepEqual(stats.clients.recent.map((c) => c.client).sort(), ['alice', 'bob']);
    assert.ok(!JSON.stringify(stats).includes(ALICE));
  });
});

describe('a virtual key on a passthrough upstream', () => {
  test('the client key is dropped, not passed through', async () => {
    const gw = await startGateway({
      upstreams: { openai: { url: mock.url } },
      clients: { keys: [{ name: 'a', key: ALICE }] },
    });
    try {
      const res = await chat(gw, { authorization: `Bearer ${ALICE}` });
      await res.arrayBuffer();
      const last = mock.received.at(-1)!;
      assert.equal(last.key, undefined);
      assert.equal(last.headers.authorization, undefined);
    } finally {
      await gw.close();
    }
  });
});

describe('a virtual key beside a REST API token', () => {
  test('x-cooldown-key carries the virtual key; the REST call keeps its own Authorization', async () => {
    const gw = await startGateway({
      upstreams: { github: { url: mock.url, dialect: 'generic' } },
      routes: { hosts: [{ match: 'api.github.com', upstream: 'github' }] },
      clients: { keys: [{ name: 'alice', key: ALICE }] },
    });
    try {
      const refused = await send(gw.url, {
        path: '/users/octocat',
        headers: { host: 'api.github.com', authorization: 'token ghp-client-own' },
      });
      assert.equal(refused.status, 401, 'a REST call needs a virtual key too');
      const served = await send(gw.url, {
        path: '/users/octocat',
        headers: { host: 'api.github.com', authorization: 'token ghp-client-own', 'x-cooldown-key': ALICE },
      });
      assert.equal(served.status, 200);
      const last = mock.received.at(-1)!;
      assert.equal(last.headers.authorization, 'token ghp-client-own');
      assert.equal(last.headers['x-cooldown-key'], undefined);
    } finally {
      await gw.close();
    }
  });
});

describe('ingress limits per address', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway({ upstreams: upstreams(), clients: { identify_by: 'ip', limits: { rpm: 2 } } });
  });
  after(() => gw.close());

  test('over the client rpm: 429 rate_limit_exceeded with Retry-After and the client limit in x-ratelimit-*', async () => {
    for (let i = 0; i < 2; i++) {
      const served = await chat(gw);
      assert.equal(served.status, 200);
      await served.arrayBuffer();
    }
    const res = await chat(gw, {}, { stream: true });
    assert.equal(res.status, 429, 'a stream is refused before it starts');
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(res.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.match(res.headers.get('x-ratelimit-reset-requests')!, /^\d+(\.\d+)?s$/);
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 30, `retry-after ${retryAfter}`);
    assert.equal(res.headers.get('x-should-retry'), 'true');
    const body = (await res.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'rate_limit_error');
  });

  test('the same limit, in the Anthropic shape, on /v1/messages', async () => {
    const res = await messages(gw);
    assert.equal(res.status, 429);
    const body = (await res.json()) as { type: string; error: { type: string; code: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.equal(body.error.code, 'rate_limit_exceeded');
  });

  test('X-Forwarded-For is not trusted by default: a client cannot pose as another', async () => {
    const res = await chat(gw, { 'x-forwarded-for': '203.0.113.7' });
    assert.equal(res.status, 429);
    await res.arrayBuffer();
  });
});

describe('ingress limits with trust_proxy', () => {
  test('each forwarded address has its own limit; the state of a flood of addresses stays bounded', async () => {
    const gw = await startGateway({
      server: { trust_proxy: true },
      upstreams: upstreams(),
      clients: { identify_by: 'ip', limits: { rpm: 1 }, max_tracked: 8 },
    });
    try {
      const a = await chat(gw, { 'x-forwarded-for': '198.51.100.1' });
      const b = await chat(gw, { 'x-forwarded-for': '198.51.100.2' });
      const a2 = await chat(gw, { 'x-forwarded-for': '198.51.100.1' });
      assert.deepEqual([a.status, b.status, a2.status], [200, 200, 429]);
      await Promise.all([a, b, a2].map((r) => r.arrayBuffer()));
      for (let i = 0; i < 40; i++)
        await (await chat(gw, { 'x-forwarded-for': `192.0.2.${i}` })).arrayBuffer();
      const stats = (await (await fetch(`${gw.url}/stats`)).json()) as { clients: { tracked: number } };
      assert.ok(stats.clients.tracked <= 8, `tracked ${stats.clients.tracked}`);
    } finally {
      await gw.close();
    }
  });
});

describe('ingress limits per API key', () => {
  let gw: TestGateway;
  const K1 = 'sk-client-one-aaaaaaaaaaaaaaaaaaaaaaaa';
  const K2 = 'sk-client-two-bbbbbbbbbbbbbbbbbbbbbbbb';
  before(async () => {
    gw = await startGateway({
      upstreams: upstreams(),
      clients: {
        identify_by: 'api_key',
        limits: { rpm: 1 },
        overrides: [{ match: `sha256:${keyDigestHex(K2)}`, limits: { rpm: 3 } }],
      },
    });
  });
  after(() => gw.close());

  test('each key has its own bucket, and an override gives one key more', async () => {
    const statuses = async (key: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const res = await chat(gw, { authorization: `Bearer ${key}` });
        await res.arrayBuffer();
        out.push(res.status);
      }
      return out;
    };
    assert.deepEqual(await statuses(K1, 2), [200, 429]);
    assert.deepEqual(await statuses(K2, 4), [200, 200, 200, 429]);
    // The same key over x-api-key is the same client: its limit holds for Anthropic clients too.
    const anth = await messages(gw, { 'x-api-key': K1 });
    assert.equal(anth.status, 429);
    const body = (await anth.json()) as { type: string; error: { type: string; code: string } };
    assert.deepEqual(
      [body.type, body.error.type, body.error.code],
      ['error', 'rate_limit_error', 'rate_limit_exceeded'],
    );
    assert.equal(anth.headers.get('x-ratelimit-limit-requests'), '1');
    const stats = JSON.stringify(await (await fetch(`${gw.url}/stats`)).json());
    assert.ok(!stats.includes(K1) && !stats.includes(K2), 'keys only masked in /stats');
  });
});

describe('tokens per minute', () => {
  test('reserved from the estimate, settled to real usage; a request needing more than what is left waits its turn', async () => {
    const gw = await startGateway({
      upstreams: upstreams(),
      clients: { identify_by: 'ip', limits: { tpm: 400 } },
    });
    try {
      // Reserves about 310 (prompt + 300 bound) and settles to the mock's real usage (a few dozen).
      const first = await chat(gw, {}, { max_tokens: 300 });
      assert.equal(first.status, 200);
      await first.arrayBuffer();
      const second = await chat(gw, {}, { max_tokens: 300 });
      assert.equal(second.status, 200, 'the first settled to its real usage, so the second fits');
      await second.arrayBuffer();
      const whole = await chat(gw, {}, { max_tokens: 5000 });
      assert.equal(whole.status, 429, 'a bound beyond the bucket waits for a full bucket');
      assert.equal(whole.headers.get('x-ratelimit-limit-tokens'), '400');
      await whole.arrayBuffer();
    } finally {
      await gw.close();
    }
  });

  test('--no-rate-limit turns client limits off too', async () => {
    const gw = await startGateway({
      upstreams: upstreams(),
      clients: { identify_by: 'ip', limits: { rpm: 1 } },
      rate_limit: { enabled: false },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await chat(gw);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
    } finally {
      await gw.close();
    }
  });
});
