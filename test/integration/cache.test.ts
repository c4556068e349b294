// The response cache through a real gateway and the mock provider: tenants never share answers,
// hits carry their headers and replay streams byte for byte, Cache-Control is obeyed, identical
// concurrent misses make one upstream call, answers survive a restart on SQLite, and DELETE /cache,
// /stats and /metrics show it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createManualClock, type ManualClock } from '../../src/time/clock.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { parseMetrics, sampleSum } from '../support/prometheus.ts';

const PRICE = { input: 1, output: 2 };

function config(
  mock: MockUpstream,
  cache: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    upstreams: {
      openai: { url: mock.url, keys: ['sk-upstream-cache-key-000000000001'] },
      anthropic: { url: mock.url, dialect: 'anthropic', keys: ['sk-ant-upstream-cache-key-00000001'] },
    },
    routes: {
      models: [
        { match: 'claude-*', upstream: 'anthropic' },
        { match: '*', upstream: 'openai' },
      ],
    },
    pricing: { 'gpt-4o-mini': PRICE },
    cache: { enabled: true, ...cache },
    ...extra,
  };
}

const question = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  max_tokens: 20,
  messages: [{ role: 'user', content }],
  ...extra,
});

function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-tenant-a', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function answer(gw: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  const res = await post(gw, body, headers);
  return { res, text: await res.text(), cache: res.headers.get('x-cache') };
}

interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  bypassed: number;
  coalesced: number;
  waiting: number;
  hit_ratio: number;
  saved: { input_tokens: number; output_tokens: number; usd: number };
}
const stats = async (gw: TestGateway) =>
  (await (await fetch(`${gw.url}/stats`)).json()) as {
    cache: CacheStats;
    totals: { tokens: { input: number } };
  };

describe('the exact cache', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let clock: ManualClock;
  before(async () => {
    mock = await startMockUpstream();
  });
  beforeEach(async () => {
    await gw?.close();
    mock.reset();
    clock = createManualClock();
    gw = await startGateway(config(mock, { ttl: '1m' }), {}, { clock });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('a repeat is a hit with the first answer, its headers and its age, and no upstream call', async () => {
    const first = await answer(gw, question('what is a cache'));
    assert.equal(first.res.status, 200);
    assert.equal(first.cache, 'MISS');
    clock.advance(3_000);
    const second = await answer(gw, question('what is a cache'));
    assert.equal(second.cache, 'HIT');
    assert.equal(second.text, first.text, 'the same answer (same id), not a new one');
    assert.equal(second.res.headers.get('age'), '3');
    assert.equal(second.res.headers.get('x-cache-timestamp'), new Date(clock.now() - 3_000).toISOString());
    assert.equal(second.res.headers.get('content-type'), first.res.headers.get('content-type'));
    assert.ok(second.res.headers.get('x-request-id'), 'the gateway names the hit');
    assert.equal(mock.received.length, 1);
    const s = (await stats(gw)).cache;
    assert.equal(s.hits, 1);
    assert.equal(s.misses, 1);
    assert.equal(s.hit_ratio, 0.5);
    assert.ok(s.saved.input_tokens > 0 && s.saved.usd > 0, 'the hit counts what it saved');
  });

  test('the same body under another credential is never a hit', async () => {
    const body = question('tenant isolation');
    assert.equal((await answer(gw, body)).cache, 'MISS');
    const other = await answer(gw, body, { authorization: 'Bearer sk-tenant-b' });
    assert.equal(other.cache, 'MISS');
    const anonymous = await answer(gw, body, { authorization: '' });
    assert.equal(anonymous.cache, 'MISS');
    assert.equal((await answer(gw, body, { authorization: 'Bearer sk-tenant-b' })).cache, 'HIT');
    assert.equal(mock.received.length, 3);
  });

  test('key order and anything but the request itself do not make a repeat new; other fields do', async () => {
    await answer(
      gw,
      '{"model":"gpt-4o-mini","max_tokens":20,"messages":[{"role":"user","content":"order"}]}',
    );
    const reordered = await answer(
      gw,
      '{"messages":[{"content":"order","role":"user"}],"max_tokens":20,"model":"gpt-4o-mini"}',
    );
    assert.equal(reordered.cache, 'HIT');
    assert.equal((await answer(gw, question('order', { max_tokens: 21 }))).cache, 'MISS');
    assert.equal((await answer(gw, question('order', { temperature: 0 }))).cache, 'MISS');
  });

  test('a stream is replayed as a stream, byte for byte, and is not the non-stream entry', async () => {
    const body = question('stream me', { stream: true });
    const first = await answer(gw, body);
    assert.equal(first.cache, 'MISS');
    assert.ok(first.text.includes('data: [DONE]'));
    const replayed = await answer(gw, body);
    assert.equal(replayed.cache, 'HIT');
    assert.equal(replayed.res.headers.get('content-type'), first.res.headers.get('content-type'));
    assert.ok(replayed.res.headers.get('content-type')?.startsWith('text/event-stream'));
    assert.equal(replayed.text, first.text);
    assert.equal(
      (await answer(gw, question('stream me'))).cache,
      'MISS',
      'whole answers are their own entry',
    );

    // The SDK reads the replay as the stream it is.
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-tenant-a', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.ok(text.length > 0);
    assert.equal(mock.received.length, 2);
  });

  test('Anthropic: moved cache_control markers are the same request; a replayed stream parses', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-ant-tenant-a', maxRetries: 0 });
    const system = 'You answer briefly.';
    const ask = (marked: 'system' | 'message') =>
      client.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 30,
        system: [
          {
            type: 'text',
            text: system,
            ...(marked === 'system' ? { cache_control: { type: 'ephemeral' } } : {}),
          },
        ],
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'text',
                text: 'hello',
                ...(marked === 'message' ? { cache_control: { type: 'ephemeral' } } : {}),
              },
            ],
          },
        ],
      });
    const first = await ask('system').withResponse();
    const second = await ask('message').withResponse();
    assert.equal(first.response.headers.get('x-cache'), 'MISS');
    assert.equal(second.response.headers.get('x-cache'), 'HIT');
    assert.equal(second.data.id, first.data.id);

    const streamed = async () => {
      let text = '';
      const stream = client.messages.stream({
        model: 'claude-haiku-4-5',
        max_tokens: 30,
        messages: [{ role: 'user', content: 'stream hello' }],
      });
      for await (const event of stream)
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          text += event.delta.text;
      return text;
    };
    const a = await streamed();
    const b = await streamed();
    assert.equal(b, a);
    assert.equal(mock.received.length, 2);
  });

  test('entries expire after cache.ttl (virtual time)', async () => {
    await answer(gw, question('ttl'));
    clock.advance(59_000);
    assert.equal((await answer(gw, question('ttl'))).cache, 'HIT');
    clock.advance(1_000);
    assert.equal((await answer(gw, question('ttl'))).cache, 'MISS');
    assert.equal(mock.received.length, 2);
  });

  test('Cache-Control: no-store neither looks nor keeps; no-cache keeps the new answer; max-age bounds age', async () => {
    const first = await answer(gw, question('control'), { 'cache-control': 'no-store' });
    assert.equal(first.cache, 'BYPASS');
    assert.equal((await answer(gw, question('control'))).cache, 'MISS', 'no-store kept nothing');
    const refreshed = await answer(gw, question('control'), { 'cache-control': 'no-cache' });
    assert.equal(refreshed.cache, 'BYPASS');
    const after = await answer(gw, question('control'));
    assert.equal(after.cache, 'HIT');
    assert.equal(after.text, refreshed.text, 'no-cache stored its fresh answer');

    clock.advance(5_000);
    assert.equal((await answer(gw, question('control'), { 'cache-control': 'max-age=10' })).cache, 'HIT');
    const strict = await answer(gw, question('control'), { 'cache-control': 'max-age=2' });
    assert.equal(strict.cache, 'MISS', 'older than the client takes');
    // That miss was kept for at most 2 s: a plain request after 3 s goes upstream again.
    clock.advance(3_000);
    assert.equal((await answer(gw, question('control'))).cache, 'MISS');
    assert.equal(mock.received.length, 5);
    assert.equal((await stats(gw)).cache.bypassed, 2);
  });

  test('errors are not kept: after an error answer the same request goes upstream', async () => {
    mock.addFault({ fault: { kind: 'status', status: 400 }, times: 1 });
    assert.equal((await answer(gw, question('fails once'))).res.status, 400);
    const next = await answer(gw, question('fails once'));
    assert.equal(next.res.status, 200);
    assert.equal(next.cache, 'MISS');
    assert.equal((await answer(gw, question('fails once'))).cache, 'HIT');
  });

  test('a hit is accounted as an answer but spends nothing and uses no key', async () => {
    await answer(gw, question('accounting'));
    const before = await stats(gw);
    await answer(gw, question('accounting'));
    const after = await stats(gw);
    assert.equal(after.totals.tokens.input, before.totals.tokens.input, 'no upstream tokens for a hit');
    assert.ok(after.cache.saved.input_tokens > before.cache.saved.input_tokens);
    assert.equal(mock.received.length, 1);
  });

  test('DELETE /cache clears by model or upstream, or all; /metrics shows the cache', async () => {
    await answer(gw, question('one'));
    await answer(gw, question('two', { model: 'gpt-4o' }));
    await answer(gw, question('one'));
    const byModel = await fetch(`${gw.url}/cache?model=gpt-4o`, { method: 'DELETE' });
    assert.deepEqual(await byModel.json(), { cleared: 1, entries: 1 });
    assert.equal((await answer(gw, question('one'))).cache, 'HIT');
    const byUpstream = await fetch(`${gw.url}/cache?upstream=anthropic`, { method: 'DELETE' });
    assert.equal(((await byUpstream.json()) as { cleared: number }).cleared, 0);
    const metrics = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
    assert.equal(sampleSum(metrics.get('cooldown_cache_hits_total')), 2);
    assert.equal(sampleSum(metrics.get('cooldown_cache_entries')), 1);
    assert.equal(sampleSum(metrics.get('cooldown_requests_total'), { cache: 'hit' }), 2);
    const all = await fetch(`${gw.url}/cache`, { method: 'DELETE' });
    assert.deepEqual(await all.json(), { cleared: 1, entries: 0 });
    assert.equal((await answer(gw, question('one'))).cache, 'MISS');
    const bad = await fetch(`${gw.url}/cache?model=`, { method: 'DELETE' });
    assert.equal(bad.status, 400);
  });
});

describe('coalescing identical misses', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  before(async () => {
    mock = await startMockUpstream();
    gw = await startGateway(config(mock));
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  /** Sends ten at once, waits until nine wait behind the first, then lets the mock answer. */
  async function tenAtOnce(body: unknown): Promise<string[]> {
    mock.reset();
    mock.addFault({ fault: { kind: 'held' }, times: 1 });
    const answers = Array.from({ length: 10 }, () => answer(gw, body));
    await mock.waitForRequests(1);
    // The other nine reach the gateway on their own connections: their wait shows in /stats.
    while ((await stats(gw)).cache.waiting < 9) await new Promise((r) => setTimeout(r, 5));
    mock.release(1);
    return (await Promise.all(answers)).map((a) => a.text);
  }

  test('ten identical requests at once: one upstream call, ten equal answers', async () => {
    const texts = await tenAtOnce(question('coalesce me'));
    assert.equal(mock.received.length, 1);
    assert.equal(new Set(texts).size, 1);
    assert.ok(JSON.parse(texts[0]!).choices[0].message.content.length > 0);
    assert.ok((await stats(gw)).cache.coalesced >= 9);
  });

  test('a stream too: ten identical streams, one upstream call, ten complete equal streams', async () => {
    const texts = await tenAtOnce(question('coalesce my stream', { stream: true }));
    assert.equal(mock.received.length, 1);
    assert.equal(new Set(texts).size, 1);
    assert.ok(texts[0]!.includes('data: [DONE]'));
  });
});

describe('the SQLite answer store', () => {
  let mock: MockUpstream;
  let dir: string;
  before(async () => {
    mock = await startMockUpstream();
    dir = mkdtempSync(join(tmpdir(), 'cooldown-cache-'));
  });
  after(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('answers survive a restart', async () => {
    const tree = config(mock, { store: 'sqlite' }, { store: { sqlite: join(dir, 'state.db') } });
    const first = await startGateway(tree);
    const missed = await answer(first, question('persist me', { stream: true }));
    assert.equal(missed.cache, 'MISS');
    await first.close();

    const second = await startGateway(tree);
    try {
      const hit = await answer(second, question('persist me', { stream: true }));
      assert.equal(hit.cache, 'HIT');
      assert.equal(hit.text, missed.text);
      assert.equal((await stats(second)).cache.entries, 1);
      assert.equal(mock.received.length, 1);
    } finally {
      await second.close();
    }
  });
});

describe('the semantic mode', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream();
  });
  after(async () => {
    await mock.close();
  });

  const semantic = (extra: Record<string, unknown> = {}) =>
    config(mock, { semantic: { enabled: true, threshold: 0.8, upstream: 'openai', ...extra } });
  const ask = (content: string, extra: Record<string, unknown> = {}) =>
    question(content, { temperature: 0, ...extra });
  const chatCalls = () => mock.received.filter((r) => r.path.endsWith('/chat/completions')).length;

  test('a paraphrase above the threshold is served the first answer; unrelated text and other scopes are not', async () => {
    mock.reset();
    const gw = await startGateway(semantic());
    try {
      const first = await answer(gw, ask('What is the capital of France?'));
      assert.equal(first.cache, 'MISS');
      const paraphrase = await answer(gw, ask('Tell me the capital city of France'));
      assert.equal(paraphrase.cache, 'HIT-SEMANTIC');
      assert.ok(Number(paraphrase.res.headers.get('x-cache-similarity')) >= 0.8);
      assert.equal(paraphrase.text, first.text);
      assert.equal(chatCalls(), 1);

      assert.equal(
        (await answer(gw, ask('How do I bake sourdough bread?'))).cache,
        'MISS',
        'below the threshold',
      );
      assert.equal(
        (await answer(gw, ask('Tell me the capital city of France'), { authorization: 'Bearer sk-tenant-b' }))
          .cache,
        'MISS',
        'another tenant',
      );
      const system = {
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Tell me the capital city of France' },
        ],
      };
      assert.equal((await answer(gw, ask('', system))).cache, 'MISS', 'another system prompt');
      assert.equal(
        (await answer(gw, ask('Tell me the capital city of France', { model: 'gpt-4o' }))).cache,
        'MISS',
        'another model',
      );
      assert.equal(
        (await answer(gw, question('Tell me the capital city of France', { temperature: 0.7 }))).cache,
        'MISS',
        'a sampling request is not compared by meaning',
      );
      assert.equal(chatCalls(), 6);
      const s = (await stats(gw)).cache as CacheStats & { semantic: { hits: number; entries: number } };
      assert.equal(s.semantic.hits, 1);
      assert.ok(s.semantic.entries >= 4);
    } finally {
      await gw.close();
    }
  });

  test('shadow mode serves nothing by meaning and counts what it would have served', async () => {
    mock.reset();
    const gw = await startGateway(semantic({ shadow: true }));
    try {
      await answer(gw, ask('What is the capital of France?'));
      const paraphrase = await answer(gw, ask('Tell me the capital city of France'));
      assert.equal(paraphrase.cache, 'MISS');
      assert.equal(chatCalls(), 2);
      const s = (await stats(gw)).cache as CacheStats & { semantic: { hits: number; shadow_hits: number } };
      assert.equal(s.semantic.shadow_hits, 1);
      assert.equal(s.semantic.hits, 0);
    } finally {
      await gw.close();
    }
  });
});
