// The response cache shared through a real redis-server by two gateways in front of one mock
// provider: what one gateway keeps the other answers (JSON and streams, byte for byte), tenants stay
// apart, identical misses at once on both make one upstream call, a clear through one is a clear for
// both, and Redis dying mid-run makes misses, not errors,
// until it is back. A write is awaited by its Redis keyspace event, never by a sleep.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { ANSWER_PREFIX } from '../../src/store/redis-answers.ts';
import type { RedisConnection } from '../../src/store/redis-connection.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { startRedisServer, type TestRedis } from '../support/redis-server.ts';

const question = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  max_tokens: 20,
  messages: [{ role: 'user', content }],
  ...extra,
});

async function answer(gw: TestGateway, body: unknown, tenant = 'sk-tenant-a') {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), cache: res.headers.get('x-cache') };
}

function connectionOf(gw: TestGateway): RedisConnection {
  const connection = gw.gateway.redis;
  assert.ok(connection, 'cache.store: redis opens a connection');
  return connection;
}

/** Resolves when `connection` reaches the state; at once when it is there already. */
async function until(connection: RedisConnection, state: 'up' | 'down'): Promise<void> {
  if (connection.healthy === (state === 'up')) return;
  await once(connection, state);
}

describe('the response cache shared through Redis', () => {
  let redis: TestRedis;
  let mock: MockUpstream;
  let a: TestGateway;
  let b: TestGateway;
  /** The test's own clients: one to look and flush, one to hear answers being written. */
  let admin: Redis;
  let events: Redis;

  /** Resolves once the next answer is written (its PEXPIRE, the write script's last step, is seen). */
  function nextWrite(): Promise<void> {
    return new Promise((resolve) => {
      const heard = (_pattern: string, _channel: string, event: string) => {
        if (event !== 'expire') return;
        events.off('pmessage', heard);
        resolve();
      };
      events.on('pmessage', heard);
    });
  }

  /** A request through `gw` whose answer is written to Redis before this resolves. */
  async function kept(gw: TestGateway, body: unknown, tenant?: string) {
    const written = nextWrite();
    const first = await answer(gw, body, tenant);
    assert.equal(first.cache, 'MISS');
    await written;
    return first;
  }

  /** The test's clients see the outage too: its errors are expected, not worth a console line. */
  const quiet = (client: Redis) => client.on('error', () => undefined);

  async function listen(): Promise<Redis> {
    const client = quiet(new Redis(redis.url, { maxRetriesPerRequest: 1 }));
    await client.psubscribe('__keyspace@0__:cooldown:answer:*');
    return client;
  }

  before(async () => {
    redis = await startRedisServer(['--notify-keyspace-events', 'Kg']);
    mock = await startMockUpstream();
    const config = {
      upstreams: { openai: { url: mock.url, keys: ['sk-upstream-redis-cache-key-00000001'] } },
      cache: { enabled: true, store: 'redis', ttl: '5m' },
      store: { redis: redis.url },
    };
    a = await startGateway(config);
    b = await startGateway(config);
    admin = quiet(new Redis(redis.url, { maxRetriesPerRequest: 1 }));
    events = await listen();
    await Promise.all([until(connectionOf(a), 'up'), until(connectionOf(b), 'up')]);
  });
  beforeEach(async () => {
    mock.reset();
    await admin.flushdb();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    admin?.disconnect();
    events?.disconnect();
    await mock?.close();
    await redis?.stop();
  });

  test('an answer kept through gateway A is a hit through gateway B (the OpenAI SDK as client)', async () => {
    const client = (gw: TestGateway) =>
      new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-tenant-a', maxRetries: 0 });
    const ask = {
      model: 'gpt-4o-mini',
      max_tokens: 20,
      messages: [{ role: 'user' as const, content: 'shared?' }],
    };
    const written = nextWrite();
    const first = await client(a).chat.completions.create(ask).withResponse();
    assert.equal(first.response.headers.get('x-cache'), 'MISS');
    await written;
    const second = await client(b).chat.completions.create(ask).withResponse();
    assert.equal(second.response.headers.get('x-cache'), 'HIT');
    assert.ok(second.response.headers.get('x-cache-timestamp'), 'a hit says when it was kept');
    assert.deepEqual(second.data, first.data, 'the same answer (same id), not a new one');
    assert.equal(mock.received.length, 1, 'one upstream call for both gateways');
    assert.equal((await admin.keys(`${ANSWER_PREFIX}*`)).length, 1);
  });

  test('ten identical requests at once over both gateways make one upstream call; all ten get its answer', async () => {
    const body = JSON.stringify(question('asked by ten at once'));
    const one = async (gw: TestGateway) => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        // Slow enough upstream that all ten arrive while the first is still out.
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer sk-tenant-a',
          'x-mock-latency-ms': '300',
        },
        body,
      });
      return { status: res.status, text: await res.text(), cache: res.headers.get('x-cache') };
    };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => one(i % 2 === 0 ? a : b)));
    assert.equal(mock.received.filter((r) => r.route === 'chat').length, 1, 'one call went upstream');
    assert.ok(
      results.every((r) => r.status === 200 && r.text === results[0]!.text),
      'one answer for all',
    );
    assert.deepEqual(results.map((r) => r.cache).sort(), [
      'HIT',
      'HIT',
      'HIT',
      'HIT',
      'HIT',
      'HIT',
      'HIT',
      'HIT',
      'HIT',
      'MISS',
    ]);
  });

  test('a miss that will be kept holds the lock while it is out; a no-store miss never takes it', async () => {
    const send = (content: string, extra: Record<string, string>) =>
      fetch(`${a.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer sk-tenant-a',
          'x-mock-latency-ms': '300',
          ...extra,
        },
        body: JSON.stringify(question(content)),
      }).then((res) => res.text());
    const kept = send('kept, so others may wait for it', {});
    await mock.waitForRequests(1);
    assert.equal((await admin.keys('cooldown:flight:*')).length, 1, 'the lock is held while it is out');
    await kept;
    mock.reset();
    const unkept = send('never kept', { 'cache-control': 'no-store' });
    await mock.waitForRequests(1);
    assert.deepEqual(await admin.keys('cooldown:flight:*'), [], 'nothing for others to wait for');
    await unkept;
  });

  test('the same body under another credential is never a hit, on either gateway', async () => {
    const body = question('tenant isolation');
    const owner = await kept(a, body, 'sk-tenant-a');
    // A miss (asserted by kept) for the other tenant, through the other gateway: its own entry.
    const other = await kept(b, body, 'sk-tenant-b');
    assert.notEqual(other.text, owner.text);
    assert.equal((await admin.keys(`${ANSWER_PREFIX}*`)).length, 2);
    const ownerAgain = await answer(b, body, 'sk-tenant-a');
    const otherAgain = await answer(a, body, 'sk-tenant-b');
    assert.deepEqual([ownerAgain.cache, otherAgain.cache], ['HIT', 'HIT']);
    assert.equal(ownerAgain.text, owner.text, 'each tenant gets its own answer back');
    assert.equal(otherAgain.text, other.text);
    assert.equal(mock.received.length, 2);
  });

  test('a stream kept through A replays through B byte for byte', async () => {
    const body = question('stream me', { stream: true });
    const first = await kept(a, body);
    assert.ok(first.text.includes('data: [DONE]'));
    const replayed = await answer(b, body);
    assert.equal(replayed.cache, 'HIT');
    assert.equal(replayed.text, first.text);
    assert.equal(mock.received.length, 1);
  });

  test('DELETE /cache?model= through B clears that model for A, and only that model', async () => {
    const mini = question('clear me');
    const big = question('clear me', { model: 'gpt-4o' });
    await kept(a, mini);
    await kept(a, big);
    const res = await fetch(`${b.url}/cache?model=gpt-4o`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { cleared: number }).cleared, 1);
    assert.equal((await answer(a, big)).cache, 'MISS');
    assert.equal((await answer(a, mini)).cache, 'HIT');
    assert.equal(mock.received.length, 3);
  });

  test('Redis killed: requests still succeed as misses; restarted: answers are shared again', async () => {
    const body = question('through an outage');
    await kept(a, body);
    const down = [until(connectionOf(a), 'down'), until(connectionOf(b), 'down')];
    await redis.kill9();
    await Promise.all(down);
    for (const gw of [a, b, a]) {
      const during = await answer(gw, body);
      assert.equal(during.status, 200);
      assert.equal(during.cache, 'MISS');
      assert.ok(during.text.includes('"choices"'), 'a real answer from upstream');
    }
    assert.equal(mock.received.length, 4, 'each went upstream: nothing was cached meanwhile');

    await redis.restart();
    await Promise.all([until(connectionOf(a), 'up'), until(connectionOf(b), 'up')]);
    // Subscribed afresh, so the next write is heard for certain.
    events.disconnect();
    events = await listen();
    const again = await kept(b, body);
    assert.equal(again.status, 200);
    assert.equal((await answer(a, body)).cache, 'HIT');
    assert.equal(mock.received.length, 5);
  });
});

describe('a gateway whose config cannot be built', () => {
  test('closes the Redis connection it opened before refusing to start', async () => {
    const redis = await startRedisServer();
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const clients = async () =>
      String(await admin.client('LIST'))
        .trim()
        .split('\n').length;
    try {
      const alone = await clients();
      const mock = await startMockUpstream();
      try {
        await assert.rejects(
          startGateway({
            upstreams: { openai: { url: mock.url, keys: ['sk-upstream-redis-key-00000001'] } },
            store: { redis: redis.url },
            cache: { enabled: true, store: 'redis', semantic: { enabled: true, upstream: 'nowhere' } },
          }),
          /cache\.semantic\.upstream/,
        );
      } finally {
        await mock.close();
      }
      // Each round trip is the server's own answer: the count drops once the gateway's client quits.
      let count = await clients();
      for (let i = 0; i < 1000 && count > alone; i++) count = await clients();
      assert.equal(count, alone);
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });
});
